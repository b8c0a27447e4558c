//! Unit tests of the whole layout pipeline on small graphs.

use super::*;

fn run(widths: &[u32], edges: &[(usize, usize)]) -> Layout {
    layout(
        &LayoutInput {
            widths: widths.to_vec(),
            edges: edges.to_vec(),
        },
        &LayoutOptions::default(),
    )
}

/// Checks what every layout must satisfy: edges go down one layer per chain step, nodes of a layer do not
/// overlap and keep their order.
fn assert_well_formed(l: &Layout) {
    for (i, e) in l.edges.iter().enumerate() {
        let chain = l.chain(i);
        for pair in chain.windows(2) {
            assert_eq!(
                l.placed[pair[1]].layer,
                l.placed[pair[0]].layer + 1,
                "{e:?}"
            );
        }
        let (top, bottom) = (chain[0], chain[chain.len() - 1]);
        let (want_top, want_bottom) = if e.reversed {
            (e.lower, e.upper)
        } else {
            (e.upper, e.lower)
        };
        assert_eq!((top, bottom), (want_top, want_bottom));
        assert!(chain[1..chain.len() - 1].iter().all(|d| l.is_dummy(*d)));
    }
    for layer in &l.layers {
        for pair in layer.windows(2) {
            let (a, b) = (l.placed[pair[0]], l.placed[pair[1]]);
            assert!(a.x + a.width < b.x, "{a:?} overlaps {b:?}");
            assert_eq!(a.order + 1, b.order);
        }
    }
}

#[test]
fn sources_are_on_top_and_every_edge_points_down() {
    // 0 = source, 1, 2 depend on it, 3 depends on 1 and 0.
    let l = run(&[6, 4, 4, 8], &[(0, 1), (0, 2), (1, 3), (0, 3)]);
    assert_well_formed(&l);
    assert_eq!(l.placed[0].layer, 0);
    assert_eq!(l.placed[3].layer, 2);
    // 0 → 3 spans two layers: one dummy.
    assert_eq!(l.placed.len(), 5);
    assert!(l.edges.iter().all(|e| !e.reversed));
}

#[test]
fn a_cycle_is_laid_out_with_its_reversed_edge_marked() {
    let l = run(&[3, 3, 3, 3], &[(0, 1), (1, 2), (2, 0), (2, 3)]);
    assert_well_formed(&l);
    assert_eq!(l.edges.iter().filter(|e| e.reversed).count(), 1);
    assert_eq!(l.edges.len(), 4);
}

#[test]
fn the_same_input_gives_the_same_layout() {
    let edges: Vec<(usize, usize)> = (1..60).map(|i| (i * 7 % i.max(1), i)).collect();
    let widths: Vec<u32> = (0..60).map(|i| 3 + i % 9).collect();
    let a = run(&widths, &edges);
    let b = run(&widths, &edges);
    assert_eq!(a, b);
    assert_well_formed(&a);
}

#[test]
fn crossing_reduction_never_ends_worse_than_the_input_order() {
    // Two sources whose dependents are listed interleaved: the input order crosses a lot.
    let mut edges = Vec::new();
    for i in 0..10 {
        edges.push((i % 2, 2 + i));
    }
    let l = run(&[3; 12], &edges);
    assert_well_formed(&l);
    assert!(l.input_crossings > 0);
    assert_eq!(l.crossings, 0);
}

#[test]
fn an_empty_graph_and_isolated_nodes_lay_out() {
    let l = run(&[], &[]);
    assert_eq!(l.layer_count(), 0);
    let l = run(&[5, 5, 5], &[]);
    assert_well_formed(&l);
    assert_eq!(l.layer_count(), 1);
    assert_eq!(l.width, 5 * 3 + 2 * 2);
}
