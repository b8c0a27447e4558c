use super::*;
use clap::CommandFactory;

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("fluxops").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn help(sub: &str) -> String {
    let mut cmd = Cli::command();
    cmd.build();
    cmd.find_subcommand_mut(sub)
        .unwrap()
        .render_long_help()
        .to_string()
}

#[test]
fn the_clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn cluster_flags_work_before_or_after_the_subcommand() {
    for sub in ["graph", "follow"] {
        let before = parse(&["--context", "prod", "-n", "apps", "--kubeconfig", "k", sub]);
        let after = parse(&[sub, "--context", "prod", "-n", "apps", "--kubeconfig", "k"]);
        let split = parse(&["--context", "prod", sub, "-n", "apps", "--kubeconfig", "k"]);
        let want = ClusterArgs {
            kubeconfig: Some(PathBuf::from("k")),
            context: vec!["prod".into()],
            all_contexts: false,
            namespace: Some("apps".into()),
            all_namespaces: false,
            readonly: false,
        };
        for cli in [before, after, split] {
            assert_eq!(cli.check(), Ok(want.clone()), "{sub}");
        }
        assert!(parse(&["-A", sub]).check().unwrap().all_namespaces);
        assert!(parse(&["--readonly", sub]).check().unwrap().readonly);
        assert!(parse(&[sub, "--readonly"]).check().unwrap().readonly);
    }
    assert_eq!(
        parse(&["-n", "apps"]).check().unwrap().namespace.as_deref(),
        Some("apps")
    );
}

#[test]
fn contradicting_cluster_flags_across_the_subcommand_are_usage_errors() {
    let err = parse(&["-n", "apps", "graph", "-A"]).check().unwrap_err();
    assert!(err.0.contains("cannot be used together"), "{err}");
    let err = parse(&["--context", "a", "follow", "--context", "b"])
        .check()
        .unwrap_err();
    assert!(err.0.contains("--context is given twice"), "{err}");
    // The same value twice is not a contradiction.
    assert!(
        parse(&["--context", "a", "graph", "--context", "a"])
            .check()
            .is_ok()
    );
    // Within one level clap itself refuses.
    assert!(Cli::try_parse_from(["fluxops", "graph", "-n", "x", "-A"]).is_err());
}

#[test]
fn commands_that_read_no_cluster_refuse_cluster_flags_on_either_side() {
    for sub in ["sim", "diagnose"] {
        let err = parse(&["--context", "prod", sub]).check().unwrap_err();
        assert!(
            err.0.contains(&format!("`fluxops {sub}` reads no cluster"))
                && err.0.contains("--context"),
            "{err}"
        );
        assert!(Cli::try_parse_from(["fluxops", sub, "--context", "prod"]).is_err());
        assert!(Cli::try_parse_from(["fluxops", sub, "-n", "apps"]).is_err());
    }
    let err = parse(&["--context", "x", "graph", "--from-dir", "."])
        .check()
        .unwrap_err();
    assert!(err.0.contains("reads a directory"), "{err}");
    assert!(
        parse(&["graph", "--from-dir", ".", "-n", "apps"])
            .check()
            .is_ok()
    );
    let err = parse(&["--demo", "graph"]).check().unwrap_err();
    assert!(
        err.0.contains("--demo is an option of the console"),
        "{err}"
    );
}

#[test]
fn sim_and_diagnose_help_list_only_flags_they_use() {
    for sub in ["sim", "diagnose", "completion"] {
        let text = help(sub);
        for flag in [
            "--kubeconfig <",
            "--context",
            "--namespace",
            "--all-namespaces",
            "--demo",
        ] {
            assert!(!text.contains(flag), "{sub} --help lists {flag}:\n{text}");
        }
    }
    assert!(help("sim").contains("--listen"));
}

#[test]
fn graph_and_follow_share_output_and_kind_flags_and_say_what_namespace_means() {
    for sub in ["graph", "follow"] {
        let text = help(sub);
        for flag in [
            "-o, --output",
            "--kind <KIND>",
            "--context",
            "-n, --namespace",
        ] {
            assert!(text.contains(flag), "{sub} --help lacks {flag}:\n{text}");
        }
        assert!(text.contains("default: every namespace"), "{text}");
    }
    assert!(help("graph").contains("directory: keep only its objects"));
    let graph = parse(&[
        "graph",
        "--kind",
        "ks,hr",
        "--kind",
        "GitRepository",
        "-o",
        "json",
    ]);
    let follow = parse(&["follow", "--kind", "ks,hr", "-o", "json"]);
    match (graph.command, follow.command) {
        (Some(Command::Graph(g)), Some(Command::Follow(f))) => {
            assert_eq!(g.kind, ["ks", "hr", "GitRepository"]);
            assert_eq!(g.output, GraphFormat::Json);
            assert_eq!(f.kinds, ["ks", "hr"]);
            assert_eq!(f.output, Some(crate::follow::Format::Json));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn completion_takes_a_shell() {
    assert!(matches!(
        parse(&["completion", "bash"]).command,
        Some(Command::Completion(CompletionArgs {
            shell: clap_complete::Shell::Bash
        }))
    ));
    assert!(Cli::try_parse_from(["fluxops", "completion", "tcsh"]).is_err());
}

#[test]
fn readonly_is_accepted_before_every_command_that_sends_nothing_but_not_before_sim() {
    for args in [
        &["--readonly", "action", "list"][..],
        &["--readonly", "policy", "test"],
        &["--readonly", "rbac"],
        &["--readonly", "audit"],
        &["--readonly", "diagnose"],
    ] {
        assert!(parse(args).check().unwrap().readonly, "{args:?}");
    }
    let err = parse(&["--readonly", "sim"]).check().unwrap_err();
    assert!(err.0.contains("`fluxops sim` reads no cluster"), "{err}");
    let err = parse(&["--readonly", "--context", "x", "rbac"])
        .check()
        .unwrap_err();
    assert!(err.0.contains("--context"), "{err}");
}

#[test]
fn several_contexts_for_the_commands_that_read_several_clusters_only() {
    for sub in ["graph", "watch"] {
        let cli = parse(&["--context", "a", sub, "--context", "a"]);
        assert_eq!(cli.check().unwrap().context, ["a"], "{sub}");
        let cli = parse(&[sub, "--context", "a", "--context", "b"]);
        assert_eq!(cli.check().unwrap().context, ["a", "b"], "{sub}");
        assert!(
            parse(&[sub, "--all-contexts"])
                .check()
                .unwrap()
                .all_contexts
        );
        let err = parse(&["--context", "a", sub, "--context", "b"])
            .check()
            .unwrap_err();
        assert!(err.0.contains("different values"), "{err}");
        let err = parse(&["--all-contexts", sub, "--context", "b"])
            .check()
            .unwrap_err();
        assert!(err.0.contains("cannot be used together"), "{err}");
    }
    assert_eq!(
        parse(&["--context", "a", "--context", "b"])
            .check()
            .unwrap()
            .context
            .len(),
        2
    );
    assert!(Cli::try_parse_from(["fluxops", "--context", "a", "--all-contexts"]).is_err());
    let err = parse(&["snapshot", "create", "--context", "a", "--context", "b"])
        .check()
        .unwrap_err();
    assert!(err.0.contains("acts on one cluster"), "{err}");
    // `check --cluster` dry-runs against each context named.
    assert_eq!(
        parse(&[
            "check",
            ".",
            "--cluster",
            "--context",
            "a",
            "--context",
            "b"
        ])
        .check()
        .unwrap()
        .context,
        ["a", "b"]
    );
}
