//! `Action`: the named user intents a keymap can bind. The name is what keymap files write (`action: quit`);
//! the description is the default help text when a binding has no `desc`.

use std::fmt;

macro_rules! actions {
    ($($variant:ident => $name:literal, $desc:literal;)*) => {
        /// A user intent, produced by the keymap from key presses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $(#[doc = $desc] $variant,)*
        }

        impl Action {
            /// Every action.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name used in keymap files.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The default help text.
            #[must_use]
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $desc,)*
                }
            }
        }
    };
}

actions! {
    Quit => "quit", "Quit fluxops";
    ReloadKubeconfig => "reload_kubeconfig", "Read the kubeconfig again and reconnect (new credentials)";
    Suspend => "suspend", "Suspend fluxops and go back to the shell (fg resumes)";
    ToggleHelp => "toggle_help", "Show or hide the help";
    CloseHelp => "close_help", "Close the help";
    MoveUp => "move_up", "Select the previous row";
    MoveDown => "move_down", "Select the next row";
    PageUp => "page_up", "Move up one page";
    PageDown => "page_down", "Move down one page";
    SelectFirst => "select_first", "Select the first row";
    SelectLast => "select_last", "Select the last row";
    Expand => "expand", "Expand the selected node (or go to its first child)";
    Collapse => "collapse", "Collapse the selected node (or go to its parent)";
    ToggleNode => "toggle_node", "Expand or collapse the selected node";
    ExpandAll => "expand_all", "Expand every node";
    CollapseAll => "collapse_all", "Collapse every node";
    SwitchView => "switch_view", "Switch between dependency and ownership views";
    JumpToRootCause => "jump_to_root_cause", "Jump to the root cause of a blocked object";
    JumpBack => "jump_back", "Go back to where the last jump started";
    FocusDetail => "focus_detail", "Move the focus to the detail pane";
    FocusNavigator => "focus_navigator", "Move the focus back to the navigator";
    ToggleDetail => "toggle_detail", "Show or hide the detail pane";
    ScrollDown => "scroll_down", "Scroll the detail pane down";
    ScrollUp => "scroll_up", "Scroll the detail pane up";
    StartFilter => "start_filter", "Filter by name, namespace, kind or status";
    ApplyFilter => "apply_filter", "Keep the filter and go back to the tree";
    CancelFilter => "cancel_filter", "Clear the filter and go back to the tree";
    FilterDeleteChar => "filter_delete_char", "Delete the last character of the filter";
    ClearFilter => "clear_filter", "Clear the filter";
    DismissBanner => "dismiss_banner", "Hide the configuration problem banner";
    ShowTree => "show_tree", "Show the tree of objects";
    ShowTimings => "show_timings", "Show the timings list (slowest, most overdue)";
    CycleSort => "cycle_sort", "Sort the timings list by the next measure";
    RevealInTree => "reveal_in_tree", "Show the selected object in the tree";
    ShowDag => "show_dag", "Show the drawn dependency DAG around the selected object";
    DagUp => "dag_up", "Go to a dependency of the selected node (what it waits on)";
    DagDown => "dag_down", "Go to a dependent of the selected node (what waits on it)";
    DagLeft => "dag_left", "Go to the node on the left in the same layer";
    DagRight => "dag_right", "Go to the node on the right in the same layer";
    DagNextAlternative => "dag_next_alternative", "Go to the next dependency or dependent the last move could have reached";
    DagToggleChain => "dag_toggle_chain", "Unfold or fold the blocked chain behind a root cause";
    DagDeeper => "dag_deeper", "Show one hop more around the centre (past 9: the whole graph)";
    DagShallower => "dag_shallower", "Show one hop less around the centre";
    DagFocusSelected => "dag_focus_selected", "Centre the neighbourhood on the selected node";
    ShowProblems => "show_problems", "Show the Problems screen: root causes, worst first";
    ShowYaml => "show_yaml", "Show the selected object's YAML (fetched now)";
    ShowEvents => "show_events", "Show the selected object's events";
    ShowInventory => "show_inventory", "Show what the selected object applied, with live status (or where a source fetches from)";
    ShowLogs => "show_logs", "Show the controller's log lines about the selected object, followed live";
    ShowTrace => "show_trace", "Trace the selected object: what applied it, its source, the revisions";
    ToggleFollow => "toggle_follow", "Follow the newest log line, or pause";
    ToggleWrap => "toggle_wrap", "Wrap long log lines, or cut them to one row";
    CloseInspect => "close_inspect", "Close the drill-down and go back";
    OpenActions => "open_actions", "Open the actions for the selected object (or for every marked object)";
    ToggleMark => "toggle_mark", "Mark or unmark the selected object for a bulk action";
    MarkChain => "mark_chain", "Mark the root cause of the selected object and everything blocked behind it";
    ClearMarks => "clear_marks", "Unmark every object";
    ShowJobs => "show_jobs", "Show the Jobs screen: executions, their steps and logs";
    ChooseAction => "choose_action", "Choose the selected action (parameters, then the confirm view)";
    CloseActions => "close_actions", "Close the action menu";
    Confirm => "confirm", "Confirm: execute what is shown";
    CancelConfirm => "cancel_confirm", "Cancel: nothing is executed";
    BreakGlass => "break_glass", "Declare break-glass with a reason and prepare again";
    FormSubmit => "form_submit", "Submit the field(s)";
    FormCancel => "form_cancel", "Cancel the form";
    FormDeleteChar => "form_delete_char", "Delete the last character of the field";
    FormNextField => "form_next_field", "Go to the next field (or scroll down)";
    FormPrevField => "form_prev_field", "Go to the previous field (or scroll up)";
    RollbackExecution => "rollback_execution", "Offer the rollback of the selected finished execution";
    CancelExecution => "cancel_execution", "Cancel the selected running execution (asks first)";
    ShowRunbooks => "show_runbooks", "Show the runbooks: every runbook, the failure classes it applies to, walks in progress";
    OpenRunbook => "open_runbook", "Walk the runbook the diagnosis names for the selected failing object (bound to it)";
    FollowNextStep => "follow_next_step", "In the detail: jump to the root cause of a blocked object, else walk the next step's runbook bound to the object";
    ShowSnapshots => "show_snapshots", "Show the snapshots: list, show, diff against the live cluster, restore";
    RunbookStart => "runbook_start", "Walk the selected runbook (resume its walk if one is unfinished)";
    WalkGo => "walk_go", "Go on: answer yes, take the offered branch, or prepare the action again";
    WalkDecline => "walk_decline", "Decline the question (the walk is aborted)";
    WalkRetry => "walk_retry", "Check again: the failed check gets a new timeout";
    WalkFailStep => "walk_fail_step", "Fail the step (the walk goes to its on-failure branch)";
    WalkPause => "walk_pause", "Pause the walk (kept in the data directory) or resume it";
    WalkAbort => "walk_abort", "Abort the walk";
    WalkExport => "walk_export", "Write the walk's Markdown transcript to a file";
    SnapshotShow => "snapshot_show", "Show the selected snapshot (read and verified)";
    SnapshotDiff => "snapshot_diff", "Diff the selected snapshot against the live cluster";
    SnapshotCreate => "snapshot_create", "Take a snapshot of what the console watches (its namespace, or all)";
    SnapshotCreateWithInventory => "snapshot_create_with_inventory", "Take a snapshot with the live objects the inventories list (Secrets left out), as snapshot create --with-inventory";
    SnapshotRestore => "snapshot_restore", "Restore the selected object (or every differing object) through the snapshot-restore action";
    OpenCommand => "open_command", "Open the command line (:ks, :hr, :ns NAME, :ctx NAME, :problems …)";
    OpenFinder => "open_finder", "Find any object by fuzzy kind, namespace and name";
    OpenCopy => "open_copy", "Copy the selected object's reference, message, a command for it or its YAML";
    PromptSubmit => "prompt_submit", "Run the command line / select the object found";
    PromptCancel => "prompt_cancel", "Close the command line or the finder";
    PromptDeleteChar => "prompt_delete_char", "Delete the last character typed";
    PromptComplete => "prompt_complete", "Take the highlighted completion";
    PromptNext => "prompt_next", "Highlight the next completion or match";
    PromptPrev => "prompt_prev", "Highlight the previous completion or match";
    CopySelected => "copy_selected", "Copy the highlighted entry";
    CopyReference => "copy_reference", "Copy the object reference (Kind/namespace/name)";
    CopyMessage => "copy_message", "Copy the object's Ready message";
    CopyCommand => "copy_command", "Copy a ready-to-run flux/kubectl command for the object";
    CopyYaml => "copy_yaml", "Copy the object's YAML (Secret data redacted)";
    CloseCopy => "close_copy", "Close the copy menu";
    CopyKubectl => "copy_kubectl", "Copy a kubectl get command for the object";
    ShowFleet => "show_fleet", "Show the fleet overview: one row per cluster (enter scopes the screens to one)";
}

impl Action {
    /// The action a keymap file names, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
