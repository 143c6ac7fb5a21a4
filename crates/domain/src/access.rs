//! Who may do what: the roles, the actions, and the one permission matrix every request is
//! checked against.

term_enum! {
    /// Role 角色: `admin` 系统管理员, `district_officer` 区扶贫办, `town_officer` 街道/镇干部,
    /// `village_officer` 村干部/驻村工作队, `auditor` 审计 (reads everything in scope, writes nothing),
    /// `client` 外部系统: a client system (a bank, the province's registry, a data-quality
    /// checker), allowed exactly the permissions it was created with.
    Role {
        Admin = "admin" / "系统管理员",
        DistrictOfficer = "district_officer" / "区扶贫办",
        TownOfficer = "town_officer" / "街道/镇干部",
        VillageOfficer = "village_officer" / "村干部/驻村工作队",
        Auditor = "auditor" / "审计",
        Client = "client" / "外部系统",
    }
}

term_enum! {
    /// An action a role may be allowed: `read_registry` 查阅档案, `write_registry` 登记与修改档案,
    /// `manage_regions` 维护区划, `read_personal_data` 查看完整身份证号和电话,
    /// `read_audit` 查阅审计日志, `manage_accounts` 管理账号, `manage_reference_data` 维护基础数据
    /// (poverty lines, loan policy, indicator thresholds), `verify_exit` 乡镇核实与公示,
    /// `approve_exit` 区级批准退出, `run_data_quality` 运行数据质量检查, `read_changes` 拉取变更,
    /// `approve_loans` 审批贷款, `record_loan_events` 登记放款与还款, `restructure_loans` 贷款展期与核销,
    /// `record_subsidies` 登记补助、分红与租金, `record_history` 补录历史 (events from before a
    /// household was registered here).
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
        ReadChanges = "read_changes" / "拉取变更",
        ApproveLoans = "approve_loans" / "审批贷款",
        RecordLoanEvents = "record_loan_events" / "登记放款与还款",
        RestructureLoans = "restructure_loans" / "贷款展期与核销",
        RecordSubsidies = "record_subsidies" / "登记补助、分红与租金",
        RecordHistory = "record_history" / "补录历史",
    }
}

/// The permission matrix of people's roles, written once. Scope (which regions) is separate:
/// every allowed action is still limited to the caller's region and what lies under it. A
/// client system has no row here: it may do what it was granted (see [`grantable_to_clients`]).
///
/// Money takes two pairs of hands: a loan is applied for by the village (or anyone who writes
/// the registry), approved by the town or the district, paid out and repaid as the district or
/// the bank records, and only the district extends or writes it off. The system administrator
/// runs accounts and reference data, not money.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadRegistry | ReadChanges => role != Client,
        WriteRegistry | RecordSubsidies => {
            matches!(role, Admin | DistrictOfficer | TownOfficer | VillageOfficer)
        }
        ManageRegions => matches!(role, Admin | DistrictOfficer),
        ReadPersonalData => matches!(role, Admin | DistrictOfficer),
        ReadAudit => matches!(role, Admin | Auditor),
        ManageAccounts => matches!(role, Admin),
        ManageReferenceData | RecordHistory => matches!(role, Admin | DistrictOfficer),
        VerifyExit => matches!(role, Admin | DistrictOfficer | TownOfficer),
        ApproveExit => matches!(role, Admin | DistrictOfficer),
        RunDataQuality => matches!(role, Admin | DistrictOfficer),
        ApproveLoans => matches!(role, DistrictOfficer | TownOfficer),
        RecordLoanEvents | RestructureLoans => matches!(role, DistrictOfficer),
    }
}

/// The permissions a client system may be created with: reading and pulling records, checking
/// data quality, and the money steps a bank or a paying department records. Never writing the
/// registry, seeing full personal data, deciding exits or managing anything.
pub fn grantable_to_clients(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        ReadRegistry
            | ReadChanges
            | RunDataQuality
            | ApproveLoans
            | RecordLoanEvents
            | RecordSubsidies
    )
}

/// True for roles that people log in as; the other belongs to client systems.
pub fn is_person_role(role: Role) -> bool {
    role != Role::Client
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
            table.push_str(match (allows(*role, *action), *role) {
                (true, _) => " ✓ |",
                (false, Role::Client) if grantable_to_clients(*action) => " grant |",
                _ => " |",
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
        for role in [Role::Auditor, Role::Client] {
            assert!(!allows(role, Action::WriteRegistry));
            assert!(!allows(role, Action::ManageRegions));
            assert!(!allows(role, Action::ManageAccounts));
        }
        assert!(allows(Role::Auditor, Action::ReadAudit));
        assert!(Action::ALL.iter().all(|a| !allows(Role::Client, *a)));
        for never in [
            Action::WriteRegistry,
            Action::ReadPersonalData,
            Action::ManageAccounts,
            Action::ApproveExit,
            Action::RestructureLoans,
        ] {
            assert!(!grantable_to_clients(never), "{never}");
        }
    }

    #[test]
    fn no_one_role_runs_a_loan_from_application_to_write_off() {
        for role in Role::ALL {
            let alone = [
                Action::WriteRegistry,
                Action::ApproveLoans,
                Action::RecordLoanEvents,
                Action::RestructureLoans,
            ];
            let takes = alone.iter().filter(|a| allows(*role, **a)).count();
            assert!(
                *role == Role::DistrictOfficer || takes < alone.len(),
                "{role}"
            );
        }
        assert!(!allows(Role::VillageOfficer, Action::ApproveLoans));
        assert!(!allows(Role::Admin, Action::ApproveLoans));
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
