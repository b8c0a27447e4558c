//! serde-saphyr errors said in words where its own text is not: a YAML budget breach displays as
//! `budget breached: Nodes { nodes: 250001 }` (a `Debug` dump). Every reader of user or repository YAML asks
//! [`yaml_limit_message`] first and falls back to the error's first line.

use serde_saphyr::Error;
use serde_saphyr::budget::BudgetBreach;

/// Words for an error that is a YAML size or complexity limit (`None` for any other error).
#[must_use]
pub fn yaml_limit_message(err: &Error) -> Option<String> {
    let mut err = err;
    loop {
        match err {
            Error::WithSnippet { error, .. } | Error::AliasError { error, .. } => err = error,
            Error::Budget { breach, .. } => return Some(breach_words(breach)),
            _ => return None,
        }
    }
}

fn breach_words(breach: &BudgetBreach) -> String {
    let what = match breach {
        BudgetBreach::Events { events } => format!("{events} parser events"),
        BudgetBreach::Aliases { aliases } => format!("{aliases} aliases (*ref)"),
        BudgetBreach::Anchors { anchors } => format!("{anchors} anchors (&ref)"),
        BudgetBreach::Depth { depth } => format!("nesting {depth} levels deep"),
        BudgetBreach::Documents { documents } => format!("{documents} documents"),
        BudgetBreach::Nodes { nodes } => format!("{nodes} values"),
        BudgetBreach::ScalarBytes { total_scalar_bytes } => {
            format!("{total_scalar_bytes} bytes of text in its values")
        }
        BudgetBreach::MergeKeys { merge_keys } => format!("{merge_keys} merge keys (<<)"),
        BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
            "{aliases} aliases for {anchors} anchors (an alias bomb, like \"billion laughs\")"
        ),
        BudgetBreach::SequenceUnbalanced => "an unbalanced structure (truncated?)".to_owned(),
        BudgetBreach::InputBytes { input_bytes } => format!("{input_bytes} bytes"),
        _ => "more than the reader allows".to_owned(),
    };
    // The counts are where reading stopped, past the limit.
    format!("the YAML is too large or too complex to read safely: {what}, over the limit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_budget_breach_is_said_in_words() {
        let options = serde_saphyr::options! {
            budget: serde_saphyr::budget! { max_nodes: 10 },
        };
        let yaml = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]";
        let err = serde_saphyr::from_str_with_options::<serde_json::Value>(yaml, options)
            .expect_err("over the budget");
        assert!(err.to_string().contains("Nodes {"), "{err}");
        let words = yaml_limit_message(&err).expect("a budget error");
        assert!(words.contains("too large or too complex"), "{words}");
        assert!(!words.contains('{'), "{words}");
    }

    #[test]
    fn other_errors_keep_their_own_text() {
        let err = serde_saphyr::from_str::<serde_json::Value>("a: [").expect_err("bad YAML");
        assert_eq!(yaml_limit_message(&err), None);
    }
}
