//! Who may do what: the roles, the actions, and the one permission matrix every request is
//! checked against.

term_enum! {
    /// Role 角色: `admin` 系统管理员, `district_officer` 区扶贫办, `town_officer` 街道/镇干部,
    /// `village_officer` 村干部/驻村工作队, `auditor` 审计 (reads everything in scope, writes nothing),
    /// `integration` 外部系统 (reads and pulls records), `data_quality` 数据质量核查.
    Role {
        Admin = "admin" / "系统管理员",
        DistrictOfficer = "district_officer" / "区扶贫办",
        TownOfficer = "town_officer" / "街道/镇干部",
        VillageOfficer = "village_officer" / "村干部/驻村工作队",
        Auditor = "auditor" / "审计",
        Integration = "integration" / "外部系统",
        DataQuality = "data_quality" / "数据质量核查",
    }
}

term_enum! {
    /// An action a role may be allowed: `read_registry` 查阅档案, `write_registry` 登记与修改档案,
    /// `manage_regions` 维护区划, `read_personal_data` 查看完整身份证号和电话,
    /// `read_audit` 查阅审计日志, `manage_accounts` 管理账号, `manage_reference_data` 维护基础数据
    /// (poverty lines, indicator thresholds), `verify_exit` 乡镇核实与公示, `approve_exit` 区级批准退出,
    /// `run_data_quality` 运行数据质量检查.
    Action {
        ReadRegistry = "read_registry" / "查阅档案",
        WriteRegistry = "write_registry" / "登记与修改档案",
        ManageRegions = "manage_regions" / "维护区划",
        ReadPersonalData = "read_personal_data" / "查看完整个人信息",
        ReadAudit = "read_audit" / "查阅审计日志",
        ManageAccounts = "manage_accounts" / "管理账号",
        ManageReferenceData = "manage_reference_data" / "维护基础数据",
        VerifyExit = "verify_exit" / "乡镇核实与公示",
        ApproveExit = "approve_exit" / "区级批准退出",
        RunDataQuality = "run_data_quality" / "运行数据质量检查",
    }
}

/// The permission matrix, written once. Scope (which regions) is separate: every allowed action
/// is still limited to the caller's region and what lies under it.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadRegistry => true,
        WriteRegistry => matches!(role, Admin | DistrictOfficer | TownOfficer | VillageOfficer),
        ManageRegions => matches!(role, Admin | DistrictOfficer),
        ReadPersonalData => matches!(role, Admin | DistrictOfficer),
        ReadAudit => matches!(role, Admin | Auditor),
        ManageAccounts | ManageReferenceData => matches!(role, Admin),
        VerifyExit => matches!(role, Admin | DistrictOfficer | TownOfficer),
        ApproveExit => matches!(role, Admin | DistrictOfficer),
        RunDataQuality => matches!(role, Admin | DistrictOfficer | DataQuality),
    }
}

/// True for roles that people log in as; the others belong to client systems.
pub fn is_person_role(role: Role) -> bool {
    !matches!(role, Role::Integration | Role::DataQuality)
}

/// The matrix as a Markdown table, for the README and the OpenAPI document.
pub fn matrix_markdown() -> String {
    let mut table = String::from("| role |");
    for action in Action::ALL {
        table.push_str(&format!(" {} |", action.as_str()));
    }
    table.push_str("\n| --- |");
    for _ in Action::ALL {
        table.push_str(" :-: |");
    }
    for role in Role::ALL {
        table.push_str(&format!("\n| {} ({}) |", role.as_str(), role.chinese()));
        for action in Action::ALL {
            table.push_str(if allows(*role, *action) {
                " ✓ |"
            } else {
                " |"
            });
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditors_and_systems_write_nothing() {
        for role in [Role::Auditor, Role::Integration, Role::DataQuality] {
            assert!(allows(role, Action::ReadRegistry));
            assert!(!allows(role, Action::WriteRegistry));
            assert!(!allows(role, Action::ManageRegions));
            assert!(!allows(role, Action::ManageAccounts));
        }
        assert!(allows(Role::Auditor, Action::ReadAudit));
        assert!(!allows(Role::Integration, Action::ReadAudit));
    }

    #[test]
    fn only_admin_manages_accounts_and_few_see_personal_data() {
        let managers: Vec<_> = Role::ALL
            .iter()
            .filter(|r| allows(**r, Action::ManageAccounts))
            .collect();
        assert_eq!(managers, vec![&Role::Admin]);
        let readers: Vec<_> = Role::ALL
            .iter()
            .filter(|r| allows(**r, Action::ReadPersonalData))
            .collect();
        assert_eq!(readers, vec![&Role::Admin, &Role::DistrictOfficer]);
        assert!(allows(Role::VillageOfficer, Action::WriteRegistry));
        assert!(!allows(Role::VillageOfficer, Action::ManageRegions));
    }

    #[test]
    fn the_matrix_renders_every_role_and_action() {
        let table = matrix_markdown();
        assert_eq!(table.lines().count(), 2 + Role::ALL.len());
        assert!(table.contains("| auditor (审计) |"));
    }
}
