//! Cycles among `depends_on` edges.

use std::collections::VecDeque;

/// One cycle per strongly connected component that has one, as node indices starting from the
/// component's first node in manifest order and taking the shortest way back to it. Edges from
/// a node to itself are left out: they are reported on their own.
pub(crate) fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut components = Tarjan::new(edges).run();
    components.retain(|c| c.len() > 1);
    for component in &mut components {
        component.sort_unstable();
    }
    components.sort_unstable_by_key(|c| c[0]);
    components
        .iter()
        .filter_map(|component| shortest_cycle(edges, component))
        .collect()
}

fn shortest_cycle(edges: &[Vec<usize>], component: &[usize]) -> Option<Vec<usize>> {
    let start = component[0];
    let inside = |n: &usize| component.binary_search(n).is_ok();
    let mut parent = vec![None; edges.len()];
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in edges[node].iter().filter(|n| inside(n)) {
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                while let Some(p) = parent[at] {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            if next != node && parent[next].is_none() {
                parent[next] = Some(node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Tarjan's strongly connected components, iteratively so that a long dependency chain cannot
/// overflow the stack.
struct Tarjan<'a> {
    edges: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next_index: usize,
    components: Vec<Vec<usize>>,
}

impl<'a> Tarjan<'a> {
    fn new(edges: &'a [Vec<usize>]) -> Self {
        let n = edges.len();
        Self {
            edges,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next_index: 0,
            components: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Vec<usize>> {
        for root in 0..self.edges.len() {
            if self.index[root].is_none() {
                self.visit(root);
            }
        }
        self.components
    }

    fn enter(&mut self, node: usize) {
        self.index[node] = Some(self.next_index);
        self.low[node] = self.next_index;
        self.next_index += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
    }

    fn visit(&mut self, root: usize) {
        // Each frame is a node and how many of its edges have been followed.
        let mut frames = vec![(root, 0_usize)];
        self.enter(root);
        while let Some(&mut (node, ref mut followed)) = frames.last_mut() {
            if let Some(&next) = self.edges[node].get(*followed) {
                *followed += 1;
                match self.index[next] {
                    None => {
                        self.enter(next);
                        frames.push((next, 0));
                    }
                    Some(index) if self.on_stack[next] => {
                        self.low[node] = self.low[node].min(index);
                    }
                    Some(_) => {}
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                self.low[parent] = self.low[parent].min(self.low[node]);
            }
            if Some(self.low[node]) == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_one_shortest_cycle_per_component() {
        // 0 -> 1 -> 2 -> 0, 2 -> 1 (shorter way back from 1), 3 -> 3 (self), 4 -> 5 -> 4, 6 alone.
        let edges = vec![
            vec![1],
            vec![2],
            vec![0, 1],
            vec![3],
            vec![5],
            vec![4],
            vec![0],
        ];
        assert_eq!(cycles(&edges), vec![vec![0, 1, 2], vec![4, 5]]);
    }

    #[test]
    fn acyclic_graphs_have_none_and_long_chains_do_not_overflow() {
        let chain: Vec<Vec<usize>> = (0..100_000)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        assert!(cycles(&chain).is_empty());
        let mut ring = chain;
        ring[0] = vec![99_999];
        assert_eq!(cycles(&ring)[0].len(), 100_000);
    }
}
