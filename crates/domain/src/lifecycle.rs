//! The life of a registered household: the exit procedure (village review → town verification →
//! public notice → district approval), return to poverty, removal. Every step is an event; the
//! state says which events may come next.

use chrono::{Datelike, Days, NaiveDate};

use crate::household::HouseholdStatus;

term_enum! {
    /// Where a household is in the exit procedure 退出程序: `none` 未启动, `proposed` 村级评议通过,
    /// `verified` 乡镇核实, `noticed` 公示中.
    ExitStage {
        None = "none" / "未启动",
        Proposed = "proposed" / "村级民主评议通过",
        Verified = "verified" / "乡镇核实通过",
        Noticed = "noticed" / "公示中",
    }
}

term_enum! {
    /// A step in a household's life: `propose_exit` 村级评议提出退出, `verify_exit` 乡镇核实,
    /// `start_notice` 公示, `approve_exit` 区级批准退出, `reject_exit` 退回, `return_to_poverty`
    /// 返贫, `remove` 剔除/自然减少.
    LifecycleEvent {
        ProposeExit = "propose_exit" / "村级评议提出退出",
        VerifyExit = "verify_exit" / "乡镇核实",
        StartNotice = "start_notice" / "公示",
        ApproveExit = "approve_exit" / "区级批准退出",
        RejectExit = "reject_exit" / "退回",
        ReturnToPoverty = "return_to_poverty" / "返贫",
        Remove = "remove" / "剔除/自然减少",
    }
}

/// A household's status and its place in the exit procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleState {
    pub status: HouseholdStatus,
    pub stage: ExitStage,
}

/// The events allowed for a household of this kind: a monitored household, never registered
/// as poor, has no exit to take and can only be removed.
pub fn allowed_events_for(
    kind: crate::household::HouseholdKind,
    state: LifecycleState,
) -> Vec<LifecycleEvent> {
    let events = allowed_events(state);
    match kind {
        crate::household::HouseholdKind::Registered => events,
        crate::household::HouseholdKind::Monitored => events
            .into_iter()
            .filter(|e| *e == LifecycleEvent::Remove)
            .collect(),
    }
}

/// Like [`next_state`], for a household of this kind.
pub fn next_state_for(
    kind: crate::household::HouseholdKind,
    state: LifecycleState,
    event: LifecycleEvent,
) -> Result<LifecycleState, TransitionRefused> {
    let allowed = allowed_events_for(kind, state);
    if !allowed.contains(&event) {
        return Err(TransitionRefused {
            event,
            status: state.status,
            stage: state.stage,
            allowed,
        });
    }
    next_state(state, event)
}

/// An event the state does not allow, with the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{event}` is not allowed while the household is {status} at exit stage {stage}")]
pub struct TransitionRefused {
    pub event: LifecycleEvent,
    pub status: HouseholdStatus,
    pub stage: ExitStage,
    pub allowed: Vec<LifecycleEvent>,
}

impl crate::Chinese for TransitionRefused {
    fn chinese(&self) -> String {
        format!(
            "该户贫困状态为“{}”、退出程序为“{}”，不能办理“{}”",
            self.status.chinese(),
            self.stage.chinese(),
            self.event.chinese()
        )
    }
}

/// The events allowed in a state.
pub fn allowed_events(state: LifecycleState) -> Vec<LifecycleEvent> {
    use ExitStage as S;
    use HouseholdStatus as H;
    use LifecycleEvent as E;
    match (state.status, state.stage) {
        (H::Removed, _) => vec![],
        (H::NotExited | H::Returned, S::None) => vec![E::ProposeExit, E::Remove],
        (_, S::Proposed) => vec![E::VerifyExit, E::RejectExit],
        (_, S::Verified) => vec![E::StartNotice, E::RejectExit],
        (_, S::Noticed) => vec![E::ApproveExit, E::RejectExit],
        (H::Exited, S::None) => vec![E::ReturnToPoverty, E::Remove],
    }
}

/// The state after `event`, or why it cannot happen.
pub fn next_state(
    state: LifecycleState,
    event: LifecycleEvent,
) -> Result<LifecycleState, TransitionRefused> {
    let allowed = allowed_events(state);
    if !allowed.contains(&event) {
        return Err(TransitionRefused {
            event,
            status: state.status,
            stage: state.stage,
            allowed,
        });
    }
    let stage = |stage| LifecycleState {
        status: state.status,
        stage,
    };
    Ok(match event {
        LifecycleEvent::ProposeExit => stage(ExitStage::Proposed),
        LifecycleEvent::VerifyExit => stage(ExitStage::Verified),
        LifecycleEvent::StartNotice => stage(ExitStage::Noticed),
        LifecycleEvent::RejectExit => stage(ExitStage::None),
        LifecycleEvent::ApproveExit => LifecycleState {
            status: HouseholdStatus::Exited,
            stage: ExitStage::None,
        },
        LifecycleEvent::ReturnToPoverty => LifecycleState {
            status: HouseholdStatus::Returned,
            stage: ExitStage::None,
        },
        LifecycleEvent::Remove => LifecycleState {
            status: HouseholdStatus::Removed,
            stage: ExitStage::None,
        },
    })
}

term_enum! {
    /// An event recorded as history (补录), decided on paper before the household was
    /// registered here: `exit` 脱贫退出, `return_to_poverty` 返贫, `remove` 剔除/自然减少.
    HistoricalEvent {
        Exit = "exit" / "脱贫退出",
        ReturnToPoverty = "return_to_poverty" / "返贫",
        Remove = "remove" / "剔除/自然减少",
    }
}

impl HistoricalEvent {
    /// The step of the live procedure it stands for.
    pub fn as_step(self) -> LifecycleEvent {
        match self {
            HistoricalEvent::Exit => LifecycleEvent::ApproveExit,
            HistoricalEvent::ReturnToPoverty => LifecycleEvent::ReturnToPoverty,
            HistoricalEvent::Remove => LifecycleEvent::Remove,
        }
    }

    /// The steps of the live procedure the registry did not see for this event: they rest on
    /// the event's document, and its record says so.
    pub fn steps_taken_on_paper(self) -> &'static [LifecycleEvent] {
        match self {
            HistoricalEvent::Exit => &[
                LifecycleEvent::ProposeExit,
                LifecycleEvent::VerifyExit,
                LifecycleEvent::StartNotice,
                LifecycleEvent::ApproveExit,
            ],
            HistoricalEvent::ReturnToPoverty => &[LifecycleEvent::ReturnToPoverty],
            HistoricalEvent::Remove => &[LifecycleEvent::Remove],
        }
    }
}

/// Something a historical event's record could not check, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Unchecked {
    /// A step of the procedure (`propose_exit`, …) or `exit_evaluation`.
    pub check: String,
    pub explanation: String,
}

impl HistoricalEvent {
    /// The live steps the registry did not see, each listed as unchecked.
    pub fn unchecked_steps(self) -> Vec<Unchecked> {
        self.steps_taken_on_paper()
            .iter()
            .map(|step| Unchecked {
                check: step.as_str().to_owned(),
                explanation: format!(
                    "{} ({}) was taken on paper before the household was registered here: it rests on the event's document",
                    step.as_str(),
                    step.chinese()
                ),
            })
            .collect()
    }
}

/// The state after a historical event. An exit needs a household at the start of the
/// procedure (not exited, or returned), as a live exit does; history never interrupts a live
/// procedure under way.
pub fn historical_next_state(
    kind: crate::household::HouseholdKind,
    state: LifecycleState,
    event: HistoricalEvent,
) -> Result<LifecycleState, TransitionRefused> {
    match event {
        HistoricalEvent::Exit => {
            let allowed = allowed_events_for(kind, state);
            if !allowed.contains(&LifecycleEvent::ProposeExit) {
                return Err(TransitionRefused {
                    event: LifecycleEvent::ApproveExit,
                    status: state.status,
                    stage: state.stage,
                    allowed,
                });
            }
            Ok(LifecycleState {
                status: HouseholdStatus::Exited,
                stage: ExitStage::None,
            })
        }
        other => next_state_for(kind, state, other.as_step()),
    }
}

/// Why a step cannot carry the date it was given. A step records a meeting or a document that
/// came after the one before it, within the household's time in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepDateRefused {
    #[error("the date cannot be in the future")]
    InTheFuture,
    #[error("the date is before the household's previous step, on {0}")]
    BeforeThePreviousStep(NaiveDate),
    #[error("the date is before the household was registered here, on {0}; record earlier events as history")]
    BeforeRegistration(NaiveDate),
    #[error("the date is before the household's identification year, {0}")]
    BeforeIdentification(i32),
    #[error("history is what happened before the household was registered here, on {0}; later steps take the live procedure")]
    NotBeforeRegistration(NaiveDate),
}

impl crate::Chinese for StepDateRefused {
    fn chinese(&self) -> String {
        match self {
            StepDateRefused::InTheFuture => "日期不能晚于今天".to_owned(),
            StepDateRefused::BeforeThePreviousStep(on) => {
                format!("日期不能早于该户上一步骤的日期（{on}）")
            }
            StepDateRefused::BeforeRegistration(on) => {
                format!("日期不能早于该户在本系统登记之日（{on}）；此前的事项请按历史补录")
            }
            StepDateRefused::BeforeIdentification(year) => {
                format!("日期不能早于该户的识别年份（{year} 年）")
            }
            StepDateRefused::NotBeforeRegistration(on) => format!(
                "历史补录仅限该户在本系统登记之日（{on}）之前的事项；此后的事项请按正常流程办理"
            ),
        }
    }
}

/// What bounds a household's step dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDateBounds {
    pub today: NaiveDate,
    pub previous_step_on: Option<NaiveDate>,
    /// The day the registry recorded the household (server time).
    pub registered_on: NaiveDate,
    pub identified_year: i32,
}

impl StepDateBounds {
    fn common(&self, on: NaiveDate) -> Result<(), StepDateRefused> {
        if on > self.today {
            return Err(StepDateRefused::InTheFuture);
        }
        if let Some(previous) = self.previous_step_on.filter(|previous| on < *previous) {
            return Err(StepDateRefused::BeforeThePreviousStep(previous));
        }
        if on.year() < self.identified_year {
            return Err(StepDateRefused::BeforeIdentification(self.identified_year));
        }
        Ok(())
    }

    /// A step of the live procedure: from the household's registration here to today.
    pub fn check_live(&self, on: NaiveDate) -> Result<(), StepDateRefused> {
        self.common(on)?;
        if on < self.registered_on {
            return Err(StepDateRefused::BeforeRegistration(self.registered_on));
        }
        Ok(())
    }

    /// An event recorded as history: it happened before the household was registered here.
    pub fn check_historical(&self, on: NaiveDate) -> Result<(), StepDateRefused> {
        self.common(on)?;
        if on >= self.registered_on {
            return Err(StepDateRefused::NotBeforeRegistration(self.registered_on));
        }
        Ok(())
    }
}

/// The default length of the public notice (公示), in days.
pub const DEFAULT_NOTICE_DAYS: u64 = 7;

/// The first day approval may come: the notice runs its full number of days.
pub fn notice_ends_on(started_on: NaiveDate, days: u64) -> NaiveDate {
    started_on
        .checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

term_enum! {
    /// Kind of monitored household 监测户: `unstable_exited` 脱贫不稳定户,
    /// `edge` 边缘易致贫户, `sudden_hardship` 突发严重困难户.
    MonitoringKind {
        UnstableExited = "unstable_exited" / "脱贫不稳定户",
        Edge = "edge" / "边缘易致贫户",
        SuddenHardship = "sudden_hardship" / "突发严重困难户",
    }
}

term_enum! {
    /// Why a household leaves the registry: `wrong_identification` 识别不准剔除,
    /// `natural_decrease` 自然减少 (the whole household died or moved away).
    RemovalKind {
        WrongIdentification = "wrong_identification" / "识别不准剔除",
        NaturalDecrease = "natural_decrease" / "自然减少",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HouseholdStatus as H;
    use LifecycleEvent as E;

    fn state(status: H, stage: ExitStage) -> LifecycleState {
        LifecycleState { status, stage }
    }

    #[test]
    fn the_exit_procedure_runs_in_order() {
        let mut s = state(H::NotExited, ExitStage::None);
        for event in [
            E::ProposeExit,
            E::VerifyExit,
            E::StartNotice,
            E::ApproveExit,
        ] {
            s = next_state(s, event).unwrap();
        }
        assert_eq!(s, state(H::Exited, ExitStage::None));
        let returned = next_state(s, E::ReturnToPoverty).unwrap();
        assert_eq!(returned, state(H::Returned, ExitStage::None));
        assert_eq!(
            next_state(returned, E::ProposeExit).unwrap().stage,
            ExitStage::Proposed,
            "re-enters the procedure"
        );
    }

    #[test]
    fn steps_cannot_be_skipped_and_refusals_name_the_allowed_ones() {
        let s = state(H::NotExited, ExitStage::None);
        let refused = next_state(s, E::ApproveExit).unwrap_err();
        assert_eq!(refused.allowed, vec![E::ProposeExit, E::Remove]);
        let proposed = next_state(s, E::ProposeExit).unwrap();
        assert!(next_state(proposed, E::StartNotice).is_err());
        assert!(
            next_state(proposed, E::Remove).is_err(),
            "not in the middle of the procedure"
        );
        assert!(next_state(state(H::NotExited, ExitStage::None), E::ReturnToPoverty).is_err());
    }

    #[test]
    fn any_step_can_reject_back_to_the_start() {
        for stage in [ExitStage::Proposed, ExitStage::Verified, ExitStage::Noticed] {
            assert_eq!(
                next_state(state(H::NotExited, stage), E::RejectExit).unwrap(),
                state(H::NotExited, ExitStage::None)
            );
        }
    }

    #[test]
    fn removed_households_take_no_more_steps() {
        let removed = next_state(state(H::Exited, ExitStage::None), E::Remove).unwrap();
        assert!(allowed_events(removed).is_empty());
    }

    #[test]
    fn monitored_households_take_no_exit() {
        use crate::household::HouseholdKind;
        let s = state(H::NotExited, ExitStage::None);
        assert_eq!(
            allowed_events_for(HouseholdKind::Monitored, s),
            vec![E::Remove]
        );
        let refused = next_state_for(HouseholdKind::Monitored, s, E::ProposeExit).unwrap_err();
        assert_eq!(refused.allowed, vec![E::Remove]);
        assert!(next_state_for(HouseholdKind::Registered, s, E::ProposeExit).is_ok());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn live_steps_come_after_the_previous_one_and_the_registration() {
        let bounds = StepDateBounds {
            today: day(2026, 12, 4),
            previous_step_on: Some(day(2026, 12, 1)),
            registered_on: day(2026, 11, 20),
            identified_year: 2014,
        };
        assert_eq!(bounds.check_live(day(2026, 12, 1)), Ok(()));
        assert_eq!(
            bounds.check_live(day(2026, 11, 30)),
            Err(StepDateRefused::BeforeThePreviousStep(day(2026, 12, 1)))
        );
        assert_eq!(
            bounds.check_live(day(2026, 12, 5)),
            Err(StepDateRefused::InTheFuture)
        );
        let first = StepDateBounds {
            previous_step_on: None,
            ..bounds
        };
        assert_eq!(
            first.check_live(day(2016, 12, 1)),
            Err(StepDateRefused::BeforeRegistration(day(2026, 11, 20)))
        );
        assert_eq!(first.check_historical(day(2016, 12, 1)), Ok(()));
        assert_eq!(
            first.check_historical(day(2013, 12, 1)),
            Err(StepDateRefused::BeforeIdentification(2014))
        );
        assert_eq!(
            first.check_historical(day(2026, 11, 20)),
            Err(StepDateRefused::NotBeforeRegistration(day(2026, 11, 20)))
        );
    }

    #[test]
    fn history_exits_from_the_start_of_the_procedure_only() {
        use crate::household::HouseholdKind as K;
        let start = state(H::NotExited, ExitStage::None);
        assert_eq!(
            historical_next_state(K::Registered, start, HistoricalEvent::Exit),
            Ok(state(H::Exited, ExitStage::None))
        );
        let under_way = state(H::NotExited, ExitStage::Verified);
        assert!(historical_next_state(K::Registered, under_way, HistoricalEvent::Exit).is_err());
        assert!(historical_next_state(K::Monitored, start, HistoricalEvent::Exit).is_err());
        let exited = state(H::Exited, ExitStage::None);
        assert!(historical_next_state(K::Registered, exited, HistoricalEvent::Exit).is_err());
        assert_eq!(
            historical_next_state(K::Registered, exited, HistoricalEvent::ReturnToPoverty),
            Ok(state(H::Returned, ExitStage::None))
        );
    }

    #[test]
    fn refusals_say_the_same_in_chinese() {
        use crate::bilingual::tests::assert_bilingual;
        let refused = next_state(state(H::Exited, ExitStage::None), E::VerifyExit).unwrap_err();
        assert_bilingual(&refused);
        let bounds = StepDateBounds {
            today: day(2026, 12, 4),
            previous_step_on: Some(day(2026, 12, 1)),
            registered_on: day(2026, 11, 20),
            identified_year: 2027,
        };
        assert_bilingual(&bounds.check_live(day(2026, 11, 30)).unwrap_err());
        assert_bilingual(&bounds.check_live(day(2026, 12, 2)).unwrap_err());
    }

    #[test]
    fn the_notice_runs_its_days() {
        let start = NaiveDate::from_ymd_opt(2019, 11, 1).unwrap();
        assert_eq!(
            notice_ends_on(start, 7),
            NaiveDate::from_ymd_opt(2019, 11, 8).unwrap()
        );
    }
}
