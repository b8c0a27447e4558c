//! Coordinate assignment: the leftmost column of every node, keeping each layer's order and at least `gap`
//! empty cells between neighbours.
//!
//! Nodes start packed to the left. Each pass then takes the layers in turn (top down, or bottom up) and places a
//! layer as close as the constraints allow to where its nodes want to be: centred under the mean centre of their
//! neighbours in the layer just placed (a node without such neighbours wants to stay). "As close as possible"
//! is the least-squares placement under the ordering constraints, which is isotonic regression after
//! subtracting each node's minimal offset from the layer's start; pool-adjacent-violators solves it in linear
//! time. Finally everything is shifted so the leftmost node starts at column 0.

use super::LayoutOptions;
use super::rank::Layered;

/// Least-squares non-decreasing fit of `targets` (pool-adjacent-violators).
fn isotonic(targets: &[f64]) -> Vec<f64> {
    // Blocks of (sum, count), merged while a block's mean is below its predecessor's.
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(targets.len());
    for &t in targets {
        blocks.push((t, 1));
        while blocks.len() > 1 {
            let (s2, c2) = blocks[blocks.len() - 1];
            let (s1, c1) = blocks[blocks.len() - 2];
            if s1 / c1 as f64 <= s2 / c2 as f64 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (s1 + s2, c1 + c2);
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (s, c) in blocks {
        out.extend(std::iter::repeat_n(s / c as f64, c));
    }
    out
}

/// Places one layer as close as possible to `want` (leftmost columns), in order, with the spacing.
fn place_layer(layer: &[usize], want: &[f64], widths: &[u32], gap: u32, x: &mut [f64]) {
    let mut offsets = Vec::with_capacity(layer.len());
    let mut offset = 0.0;
    for &v in layer {
        offsets.push(offset);
        offset += f64::from(widths[v] + gap);
    }
    let shifted: Vec<f64> = want.iter().zip(&offsets).map(|(w, o)| w - o).collect();
    let fitted = isotonic(&shifted);
    for ((&v, y), o) in layer.iter().zip(fitted).zip(offsets) {
        // Rounding a non-decreasing sequence keeps it non-decreasing: the spacing survives.
        x[v] = y.round() + o;
    }
}

fn centre(x: &[f64], widths: &[u32], v: usize) -> f64 {
    x[v] + f64::from(widths[v].saturating_sub(1) / 2)
}

/// Leftmost column of every node of `g` ordered as `layers`.
#[must_use]
pub fn assign(
    g: &Layered,
    layers: &[Vec<usize>],
    widths: &[u32],
    options: &LayoutOptions,
) -> Vec<u32> {
    let mut x = vec![0.0f64; g.len()];
    for layer in layers {
        let mut at = 0.0;
        for &v in layer {
            x[v] = at;
            at += f64::from(widths[v] + options.gap);
        }
    }
    for pass in 0..options.position_passes {
        let down = pass % 2 == 0;
        let neighbours = if down { &g.up } else { &g.down };
        let order: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let layer = &layers[l];
            let want: Vec<f64> = layer
                .iter()
                .map(|&v| {
                    let ns = &neighbours[v];
                    if ns.is_empty() {
                        x[v]
                    } else {
                        let mean = ns.iter().map(|w| centre(&x, widths, *w)).sum::<f64>()
                            / ns.len() as f64;
                        mean - f64::from(widths[v].saturating_sub(1) / 2)
                    }
                })
                .collect();
            place_layer(layer, &want, widths, options.gap, &mut x);
        }
    }
    let min = x.iter().copied().fold(f64::INFINITY, f64::min);
    let min = if min.is_finite() { min } else { 0.0 };
    x.iter()
        .map(|v| {
            let cell = (v - min).round().max(0.0);
            // Columns of a terminal canvas fit in u32 (the layout of 10,000 nodes is far narrower).
            if cell >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                cell as u32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_fit_pools_violations_to_their_mean() {
        assert_eq!(isotonic(&[1.0, 3.0, 2.0, 4.0]), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(isotonic(&[5.0, 1.0]), vec![3.0, 3.0]);
    }

    #[test]
    fn a_placed_layer_keeps_order_and_spacing() {
        let widths = [5, 3, 4];
        let mut x = vec![0.0; 3];
        place_layer(&[0, 1, 2], &[10.0, 9.0, 0.0], &widths, 2, &mut x);
        assert!(x[1] >= x[0] + 7.0 && x[2] >= x[1] + 5.0, "{x:?}");
    }
}
