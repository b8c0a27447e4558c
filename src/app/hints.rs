//! The footer's key hints: per mode, the keys most needed first (the footer drops from the end what does not
//! fit, keeping the last, quit). Keys come from the keymap, so a user's keymap shows its own keys.

use super::state::State;
use crate::config::Mode;
use crate::text::sanitize_line;

/// The footer's key hints for the mode that has the keyboard, most needed first.
#[must_use]
pub fn build(state: &State) -> Vec<(String, String)> {
    use super::action::Action as A;
    let mode = state.mode();
    let narrow = state.width > 0 && state.width < crate::layout::WIDE;
    let wanted: &[(A, &str)] = match mode {
        Mode::Filter => &[(A::ApplyFilter, "keep"), (A::CancelFilter, "clear")],
        Mode::Command => &[
            (A::PromptSubmit, "run"),
            (A::PromptComplete, "complete"),
            (A::PromptNext, "next"),
            (A::PromptCancel, "close"),
        ],
        Mode::Finder => &[
            (A::PromptSubmit, "select"),
            (A::PromptNext, "next"),
            (A::PromptCancel, "close"),
        ],
        Mode::Copy => &[
            (A::CopySelected, "copy"),
            (A::MoveDown, "next"),
            (A::CloseCopy, "close"),
        ],
        Mode::Actions => &[
            (A::ChooseAction, "choose"),
            (A::CloseActions, "close"),
            (A::MoveDown, "next"),
        ],
        Mode::Confirm if state.actions.confirm.is_none() => {
            &[(A::Confirm, "yes, cancel it"), (A::CancelConfirm, "no")]
        }
        Mode::Confirm => &[
            (A::Confirm, "confirm"),
            (A::CancelConfirm, "cancel"),
            (A::ScrollDown, "scroll"),
            (A::BreakGlass, "break-glass"),
        ],
        Mode::Form if state.actions.form.is_some() => &[
            (A::FormSubmit, "submit"),
            (A::FormCancel, "cancel"),
            (A::FormNextField, "next field"),
        ],
        Mode::Form => &[
            (A::FormSubmit, "confirm"),
            (A::FormCancel, "cancel"),
            (A::PageDown, "scroll"),
        ],
        Mode::Jobs
            if state
                .jobs
                .selected()
                .is_some_and(|e| e.rollback_available && e.phase.finished()) =>
        {
            &[
                (A::RollbackExecution, "rollback"),
                (A::PageUp, "log up"),
                (A::SelectLast, "follow"),
                (A::ShowTree, "tree"),
                (A::ToggleHelp, "help"),
                (A::Quit, "quit"),
            ]
        }
        Mode::Jobs if state.jobs.selected().is_some_and(|e| !e.phase.finished()) => &[
            (A::CancelExecution, "cancel"),
            (A::PageUp, "log up"),
            (A::SelectLast, "follow"),
            (A::ShowTree, "tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Jobs => &[
            (A::PageUp, "log up"),
            (A::SelectLast, "follow"),
            (A::ShowTree, "tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Runbooks => &[
            (A::RunbookStart, "walk"),
            (A::StartFilter, "filter"),
            (A::ShowTree, "tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Walker => super::walker_view::walker_hints(state),
        Mode::Snapshots => &[
            (A::SnapshotShow, "read"),
            (A::SnapshotCreate, "new"),
            (A::SnapshotCreateWithInventory, "+inventories"),
            (A::SnapshotDiff, "diff"),
            (A::SnapshotRestore, "restore"),
            (A::ShowTree, "back"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Help => &[
            (A::CloseHelp, "close"),
            (A::ScrollDown, "scroll"),
            (A::Quit, "quit"),
        ],
        Mode::Detail => match super::runbooks::detail_enter(state) {
            Some(super::runbooks::DetailEnter::Walk) => &[
                (A::FocusNavigator, "back"),
                (A::FollowNextStep, "walk runbook"),
            ],
            Some(super::runbooks::DetailEnter::Jump) => &[
                (A::FocusNavigator, "back"),
                (A::FollowNextStep, "root cause"),
            ],
            None => &[(A::FocusNavigator, "back")],
        },
        Mode::Timings if narrow => &[
            (A::CycleSort, "sort"),
            (A::FocusDetail, "detail"),
            (A::RevealInTree, "show in tree"),
            (A::ShowTree, "tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Timings => &[
            (A::CycleSort, "sort"),
            (A::RevealInTree, "show in tree"),
            (A::ShowTree, "tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        Mode::Dag => &[
            (A::ShowTree, "tree"),
            (A::DagNextAlternative, "next parent/child"),
            (A::DagToggleChain, "fold"),
            (A::DagDeeper, "deeper"),
            (A::DagShallower, "shallower"),
            (A::ToggleHelp, "help"),
            (A::RevealInTree, "in tree"),
        ],
        // Below the width that shows the detail pane beside the list, say how to open it (the view switch, in
        // the help, gives way when the line is full).
        Mode::Navigator | Mode::Common if narrow => &[
            (A::ToggleHelp, "help"),
            (A::StartFilter, "filter"),
            (A::FocusDetail, "detail"),
            (A::JumpToRootCause, "root cause"),
            (A::ShowDag, "dag"),
            (A::ShowTimings, "timings"),
            (A::OpenActions, "actions"),
            (A::ShowJobs, "jobs"),
            (A::SwitchView, "view"),
            (A::Quit, "quit"),
        ],
        Mode::Problems => &[
            (A::FocusDetail, "details"),
            (A::ShowInventory, "inventory"),
            (A::ShowYaml, "yaml"),
            (A::ShowEvents, "events"),
            (A::OpenActions, "actions"),
            (A::RevealInTree, "in tree"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
        // An object traced by name (`:trace KIND/NS/NAME`): its trace is all the screen has.
        Mode::Inspect if state.inspect.target.is_none() => &[
            (A::CloseInspect, "back"),
            (A::ScrollDown, "scroll"),
            (A::Quit, "quit"),
        ],
        Mode::Inspect => &[
            (A::CloseInspect, "back"),
            (A::ShowYaml, "yaml"),
            (A::ShowEvents, "events"),
            (A::ShowInventory, "inventory"),
            (A::ShowLogs, "logs"),
            (A::ShowTrace, "trace"),
            (A::ScrollDown, "scroll"),
            (A::Quit, "quit"),
        ],
        Mode::Navigator | Mode::Common => &[
            (A::ToggleHelp, "help"),
            (A::StartFilter, "filter"),
            (A::SwitchView, "view"),
            (A::JumpToRootCause, "root cause"),
            (A::ShowDag, "dag"),
            (A::ShowTimings, "timings"),
            (A::OpenActions, "actions"),
            (A::ShowJobs, "jobs"),
            (A::Quit, "quit"),
        ],
    };
    wanted
        .iter()
        .filter_map(|(a, what)| {
            state
                .keymap
                .key_for(mode, *a)
                .map(|k| (sanitize_line(&k).into_owned(), (*what).to_owned()))
        })
        .collect()
}
