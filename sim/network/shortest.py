"""Least-cost routes between sites, compiled: networkx's Dijkstra, step for step.

:func:`sim.network.routing.build_routes` searches a tree from every anchor node, for
every route profile, with networkx (about 0.7 s of the baseline's set-up, and as much
again assembling the routes in Python). These loops do the same search on arrays and
return the same routes, bit for bit, including which of two equally cheap paths is
taken. That holds because they copy what decides ties in networkx's
``_dijkstra_multisource``:

- neighbours are visited in the order of the graph's adjacency dicts (the order in
  which :func:`sim.network.routing._profile_graph` adds the edges);
- the queue pops the least ``(distance, push counter)``: keys are unique, so any heap
  pops the same sequence;
- a node's predecessor is the first node that reached its final distance (later,
  equal paths are only appended in networkx, and routes follow the first).

Without numba :data:`sim.compiled.AVAILABLE` is False and the networkx path runs; tests
compare the two.
"""

from __future__ import annotations

import numpy as np

from sim.compiled import inline, jit


def adjacency(
    edge_u: np.ndarray, edge_v: np.ndarray, n_nodes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Adjacency of the simple graph (parallel edges merged into one *slot*), in
    networkx's order.

    Returns
    -------
    indptr, neighbour, slot
        Node ``x``'s neighbours are ``neighbour[indptr[x]:indptr[x+1]]``, reached over
        slot ``slot[...]``.
    edge_slot, n_slots
        The slot of every edge, slots numbered by first appearance.
    """
    lo, hi = np.minimum(edge_u, edge_v), np.maximum(edge_u, edge_v)
    first: dict[tuple[int, int], int] = {}
    edge_slot = np.array(
        [first.setdefault((int(a), int(b)), len(first)) for a, b in zip(lo, hi, strict=True)],
        dtype=np.int64,
    )
    pairs = np.array(list(first), dtype=np.int64).reshape(-1, 2)
    # networkx appends v to u's dict, then u to v's (once for a loop), slot by slot.
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order_in_graph = np.concatenate([2 * np.arange(len(pairs)), 2 * np.arange(len(pairs)) + 1])
    slot = np.concatenate([np.arange(len(pairs)), np.arange(len(pairs))])
    keep = np.concatenate([np.ones(len(pairs), bool), pairs[:, 0] != pairs[:, 1]])
    src, dst, order_in_graph, slot = src[keep], dst[keep], order_in_graph[keep], slot[keep]
    order = np.lexsort((order_in_graph, src))
    indptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    return indptr, dst[order], slot[order], edge_slot, len(pairs)


@jit
def cheapest_in_slot(edge_slot: np.ndarray, n_slots: int, cost: np.ndarray) -> np.ndarray:
    """The cheapest edge of every slot (the first of equals), for one profile's costs."""
    best = np.full(n_slots, -1, np.int64)
    for e in range(edge_slot.shape[0]):
        s = edge_slot[e]
        if best[s] < 0 or cost[e] < cost[best[s]]:
            best[s] = e
    return best


@inline
def heap_push(hd: np.ndarray, hc: np.ndarray, hn: np.ndarray, size: int, d: float, c: int,
              node: int) -> int:
    """Add ``(d, c)`` with payload ``node`` to the binary min-heap held in the first
    ``size`` entries of ``hd`` (keys), ``hc`` (tie-breaking counters) and ``hn``
    (payloads); returns the new size. Keys are ordered by ``d``, then ``c``."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if hd[parent] < d or (hd[parent] == d and hc[parent] < c):
            break
        hd[i], hc[i], hn[i] = hd[parent], hc[parent], hn[parent]
        i = parent
    hd[i], hc[i], hn[i] = d, c, node
    return size + 1


@inline
def heap_pop(
    hd: np.ndarray, hc: np.ndarray, hn: np.ndarray, size: int
) -> tuple[float, int, int]:
    """Remove the least key from the heap of :func:`heap_push`: ``(d, payload, new size)``."""
    d, node = hd[0], hn[0]
    size -= 1
    ld, lc, ln = hd[size], hc[size], hn[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        other = child + 1
        if other < size and (
            hd[other] < hd[child] or (hd[other] == hd[child] and hc[other] < hc[child])
        ):
            child = other
        if ld < hd[child] or (ld == hd[child] and lc < hc[child]):
            break
        hd[i], hc[i], hn[i] = hd[child], hc[child], hn[child]
        i = child
    hd[i], hc[i], hn[i] = ld, lc, ln
    return d, node, size


@jit
def shortest_trees(
    indptr: np.ndarray, neighbour: np.ndarray, weight: np.ndarray, sources: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dijkstra from every source, as networkx runs it.

    Returns
    -------
    dist
        (sources, nodes) least cost, ``inf`` where unreachable.
    pred, via
        (sources, nodes) the first predecessor on a least-cost path and the adjacency
        entry used to reach the node from it (-1 at the source and where unreachable).
    """
    n = indptr.shape[0] - 1
    n_src = sources.shape[0]
    dist = np.full((n_src, n), np.inf)
    pred = np.full((n_src, n), -1, np.int64)
    via = np.full((n_src, n), -1, np.int64)
    cap = neighbour.shape[0] + 1
    hd = np.empty(cap)
    hc = np.empty(cap, np.int64)
    hn = np.empty(cap, np.int64)
    seen = np.empty(n)
    done = np.empty(n, np.bool_)
    for s in range(n_src):
        seen[:] = np.inf
        done[:] = False
        src = sources[s]
        seen[src] = 0.0
        counter = 0
        size = heap_push(hd, hc, hn, 0, 0.0, counter, src)
        while size > 0:
            d, v, size = heap_pop(hd, hc, hn, size)
            if done[v]:
                continue
            done[v] = True
            dist[s, v] = d
            for k in range(indptr[v], indptr[v + 1]):
                u = neighbour[k]
                if done[u]:
                    continue
                vu = d + weight[k]
                if vu < seen[u]:
                    seen[u] = vu
                    counter += 1
                    size = heap_push(hd, hc, hn, size, vu, counter, u)
                    pred[s, u] = v
                    via[s, u] = k
    return dist, pred, via


@jit
def _best_pair(
    o_nodes: np.ndarray, d_nodes: np.ndarray, source_of: np.ndarray, dist: np.ndarray,
) -> tuple[int, int]:
    """The cheapest pair of entrances (the first of equals), as
    :func:`sim.network.routing._best_pair`."""
    best = np.inf
    src, dst = o_nodes[0], d_nodes[0]
    for o in o_nodes:
        for d in d_nodes:
            c = dist[source_of[o], d]
            if c < best:
                best, src, dst = c, o, d
    return src, dst


@jit
def route_counts(
    anchor_ptr: np.ndarray, anchor_node: np.ndarray, source_of: np.ndarray,
    dist: np.ndarray, pred: np.ndarray, out_src: np.ndarray, out_dst: np.ndarray,
    out_n: np.ndarray,
) -> None:
    """For every ordered site pair of one profile: the entrances used and the number of
    edges on the route (0 from a site to itself)."""
    n_sites = anchor_ptr.shape[0] - 1
    for o in range(n_sites):
        o_nodes = anchor_node[anchor_ptr[o]:anchor_ptr[o + 1]]
        for d in range(n_sites):
            r = o * n_sites + d
            if o == d:
                out_src[r], out_dst[r], out_n[r] = -1, -1, 0
                continue
            src, dst = _best_pair(o_nodes, anchor_node[anchor_ptr[d]:anchor_ptr[d + 1]],
                                  source_of, dist)
            tree = pred[source_of[src]]
            n, x = 0, dst
            while x != src:
                x = tree[x]
                n += 1
            out_src[r], out_dst[r], out_n[r] = src, dst, n


@jit
def route_edges(
    start: np.ndarray, route_src: np.ndarray, route_dst: np.ndarray, source_of: np.ndarray,
    pred: np.ndarray, via: np.ndarray, slot: np.ndarray, best: np.ndarray,
    edge_u: np.ndarray, edges: np.ndarray, forward: np.ndarray,
) -> None:
    """Write every route's edges, from its start, and their directions."""
    for r in range(route_src.shape[0]):
        src = route_src[r]
        if src < 0:
            continue
        s = source_of[src]
        pos, x = start[r + 1], route_dst[r]
        while x != src:
            pos -= 1
            a = pred[s, x]
            e = best[slot[via[s, x]]]
            edges[pos] = e
            forward[pos] = edge_u[e] == a
            x = a
