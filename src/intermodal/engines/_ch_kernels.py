"""numba kernels of the contraction hierarchy (CH): preprocessing, queries, buckets and the PHAST sweep.

Plumbing for :mod:`intermodal.engines.ch`; everything here is a function over flat arrays.

The graph is undirected, so one upward graph serves both search directions. Nodes are renumbered by
contraction
rank; up-edge ``e`` runs from ``up_src[e]`` to the higher-ranked ``up_tgt[e]`` and edges are stored in rank
order
of their source, so ``up_indptr`` is a CSR over ranks. A shortcut ``e`` bypasses the node ``m`` it was made
for:
``up_c1[e]`` is the up-edge ``m -> up_src[e]`` and ``up_c2[e]`` the up-edge ``m -> up_tgt[e]`` (``-1`` for an
original edge).

Restrictions: each edge carries a flag set (a bit per cargo rule or passage), a shortcut the union of its
parts.
A witness path may replace a shortcut only if it uses edges whose flags are a subset of the shortcut's, so any
query that skips edges with forbidden flags still finds its exact shortest path among the open edges
(otherwise a
witness through a tunnel closed to dangerous goods could suppress the only open shortcut; cf. valhalla #4401).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf

# ----------------------------------------------------------------------------------------------------
# An indexed binary min-heap over node ids: keys[i], nodes[i] for heap slot i; pos[node] its slot or -1.


@njit(cache=True, inline="always")
def _sift_up(keys, nodes, pos, i):
    k = keys[i]
    x = nodes[i]
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= k:
            break
        keys[i] = keys[p]
        nodes[i] = nodes[p]
        pos[nodes[i]] = i
        i = p
    keys[i] = k
    nodes[i] = x
    pos[x] = i


@njit(cache=True, inline="always")
def _sift_down(keys, nodes, pos, size, i):
    k = keys[i]
    x = nodes[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= k:
            break
        keys[i] = keys[c]
        nodes[i] = nodes[c]
        pos[nodes[i]] = i
        i = c
    keys[i] = k
    nodes[i] = x
    pos[x] = i


@njit(cache=True)
def _heap_set(keys, nodes, pos, size, node, key):
    """Insert ``node`` or change its key; returns the new size."""
    i = pos[node]
    if i < 0:
        keys[size] = key
        nodes[size] = node
        pos[node] = size
        _sift_up(keys, nodes, pos, size)
        return size + 1
    old = keys[i]
    keys[i] = key
    if key < old:
        _sift_up(keys, nodes, pos, i)
    else:
        _sift_down(keys, nodes, pos, size, i)
    return size


@njit(cache=True)
def _heap_pop(keys, nodes, pos, size):
    """Remove the minimum; returns ``(node, key, new size)``."""
    x = nodes[0]
    k = keys[0]
    pos[x] = -1
    size -= 1
    if size > 0:
        keys[0] = keys[size]
        nodes[0] = nodes[size]
        pos[nodes[0]] = 0
        _sift_down(keys, nodes, pos, size, 0)
    return x, k, size


# ----------------------------------------------------------------------------------------------------
# Preprocessing


@njit(cache=True)
def _witness_search(
    src, skip, max_dist, allowed, settle_limit, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos
):
    """Dijkstra from ``src`` avoiding ``skip``, over edges whose flags are within ``allowed``.

    Leaves distances in ``dist`` for the nodes listed in ``touched[:return value]``; the caller resets them.
    """
    n_touched = 0
    dist[src] = 0.0
    touched[n_touched] = src
    n_touched += 1
    size = _heap_set(hk, hn, hpos, 0, src, 0.0)
    settled = 0
    notallowed = ~allowed
    while size > 0:
        u, d, size = _heap_pop(hk, hn, hpos, size)
        if d > max_dist:
            break
        settled += 1
        if settled > settle_limit:
            break
        s0 = a_start[u]
        for k in range(s0, s0 + a_len[u]):
            x = a_nbr[k]
            if x == skip or (a_fl[k] & notallowed) != 0:
                continue
            nd = d + a_w[k]
            if nd < dist[x] and nd <= max_dist:
                if dist[x] == INF:
                    touched[n_touched] = x
                    n_touched += 1
                dist[x] = nd
                size = _heap_set(hk, hn, hpos, size, x, nd)
    # Empty the heap so the next search starts clean.
    for i in range(size):
        hpos[hn[i]] = -1
    return n_touched


@njit(cache=True)
def _needed_shortcuts(
    v, settle_limit, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos, out_i, out_j
):
    """Entry pairs ``(i, j)`` of ``v``'s adjacency that need a shortcut when ``v`` is contracted."""
    s0 = a_start[v]
    deg = a_len[v]
    count = 0
    for ii in range(deg - 1):
        i = s0 + ii
        u = a_nbr[i]
        max_d = -1.0
        for jj in range(ii + 1, deg):
            j = s0 + jj
            if a_nbr[j] != u and a_w[i] + a_w[j] > max_d:
                max_d = a_w[i] + a_w[j]
        if max_d < 0.0:
            continue  # every later entry is a parallel edge back to u: nothing to bypass
        nt = _witness_search(
            u, v, max_d, a_fl[i], settle_limit, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos
        )
        for jj in range(ii + 1, deg):
            j = s0 + jj
            w_ = a_nbr[j]
            if w_ == u:
                continue
            if dist[w_] > a_w[i] + a_w[j]:
                out_i[count] = i
                out_j[count] = j
                count += 1
        for k in range(nt):
            dist[touched[k]] = INF
    return count


@njit(cache=True)
def _grow(a, need):
    if need <= a.shape[0]:
        return a
    b = np.empty(max(need, 2 * a.shape[0]), a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def contract(
    indptr, indices, weights, flags, settle_limit_sim, settle_limit, update_neighbours, level_weight
):
    """Contract every node of a symmetric CSR graph.

    Returns
    -------
    rank : int32[n]
        Contraction rank of each node.
    up_src, up_tgt : int32[k]
        Up-edges in rank order, as *node ids* (the caller renumbers them to ranks).
    up_w, up_fl, up_c1, up_c2
        Weight, flags and the two halves of each up-edge (``-1`` for an original edge).
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    # Dynamic adjacency: node v's live entries are a_start[v] : a_start[v] + a_len[v] in the pool arrays.
    a_start = np.empty(n, np.int64)
    a_len = np.empty(n, np.int64)
    a_cap = np.empty(n, np.int64)
    pool = 0
    for v in range(n):
        d = indptr[v + 1] - indptr[v]
        a_start[v] = pool
        a_len[v] = d
        a_cap[v] = d + 2
        pool += d + 2
    a_nbr = np.empty(pool * 2, np.int32)
    a_w = np.empty(pool * 2, np.float64)
    a_fl = np.empty(pool * 2, np.uint32)
    a_c1 = np.empty(pool * 2, np.int64)
    a_c2 = np.empty(pool * 2, np.int64)
    for v in range(n):
        for k in range(indptr[v + 1] - indptr[v]):
            a_nbr[a_start[v] + k] = indices[indptr[v] + k]
            a_w[a_start[v] + k] = weights[indptr[v] + k]
            a_fl[a_start[v] + k] = flags[indptr[v] + k]
            a_c1[a_start[v] + k] = -1
            a_c2[a_start[v] + k] = -1

    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    hk = np.empty(n, np.float64)
    hn = np.empty(n, np.int64)
    hpos = np.full(n, -1, np.int64)
    # Scratch for the shortcut pairs of one node; grown on demand.
    sc_i = np.empty(1024, np.int64)
    sc_j = np.empty(1024, np.int64)

    contracted = np.zeros(n, np.bool_)
    deleted_nbrs = np.zeros(n, np.int64)
    level = np.zeros(n, np.int64)
    rank = np.full(n, -1, np.int32)

    cap_up = m + n + 16
    up_src = np.empty(cap_up, np.int32)
    up_tgt = np.empty(cap_up, np.int32)
    up_w = np.empty(cap_up, np.float64)
    up_fl = np.empty(cap_up, np.uint32)
    up_c1 = np.empty(cap_up, np.int64)
    up_c2 = np.empty(cap_up, np.int64)
    n_up = 0

    # Priority queue of nodes by importance.
    qk = np.empty(n, np.float64)
    qn = np.empty(n, np.int64)
    qpos = np.full(n, -1, np.int64)
    qsize = 0
    for v in range(n):
        deg = a_len[v]
        if deg * (deg - 1) // 2 > sc_i.shape[0]:
            sc_i = np.empty(deg * (deg - 1), np.int64)
            sc_j = np.empty(deg * (deg - 1), np.int64)
        s = _needed_shortcuts(
            v, settle_limit_sim, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos, sc_i, sc_j
        )
        qsize = _heap_set(qk, qn, qpos, qsize, v, float(2 * s - deg))

    next_rank = 0
    while qsize > 0:
        v, _, qsize = _heap_pop(qk, qn, qpos, qsize)
        deg = a_len[v]
        if deg * (deg - 1) // 2 > sc_i.shape[0]:
            sc_i = np.empty(deg * (deg - 1), np.int64)
            sc_j = np.empty(deg * (deg - 1), np.int64)
        # Lazy update: recompute; if v is no longer the least important, put it back.
        s = _needed_shortcuts(
            v, settle_limit_sim, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos, sc_i, sc_j
        )
        prio = float(2 * s - deg + deleted_nbrs[v] + level_weight * level[v])
        if qsize > 0 and prio > qk[0]:
            qsize = _heap_set(qk, qn, qpos, qsize, v, prio)
            continue
        # Contract v: record its edges as up-edges (all its neighbours rank higher) ...
        s0 = a_start[v]
        need = n_up + deg
        if need > up_src.shape[0]:
            up_src = _grow(up_src, need)
            up_tgt = _grow(up_tgt, need)
            up_w = _grow(up_w, need)
            up_fl = _grow(up_fl, need)
            up_c1 = _grow(up_c1, need)
            up_c2 = _grow(up_c2, need)
        first_up = n_up
        for k in range(deg):
            e = s0 + k
            up_src[n_up] = v
            up_tgt[n_up] = a_nbr[e]
            up_w[n_up] = a_w[e]
            up_fl[n_up] = a_fl[e]
            up_c1[n_up] = a_c1[e]
            up_c2[n_up] = a_c2[e]
            n_up += 1
        # ... find the shortcuts with the stricter witness search ...
        s = _needed_shortcuts(
            v, settle_limit, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos, sc_i, sc_j
        )
        contracted[v] = True
        rank[v] = next_rank
        next_rank += 1
        # ... unlink v from its neighbours ...
        for k in range(deg):
            x = a_nbr[s0 + k]
            xs = a_start[x]
            kk = 0
            while kk < a_len[x]:
                if a_nbr[xs + kk] == v:
                    last = xs + a_len[x] - 1
                    a_nbr[xs + kk] = a_nbr[last]
                    a_w[xs + kk] = a_w[last]
                    a_fl[xs + kk] = a_fl[last]
                    a_c1[xs + kk] = a_c1[last]
                    a_c2[xs + kk] = a_c2[last]
                    a_len[x] -= 1
                else:
                    kk += 1
        # ... and add the shortcuts, in both directions.
        for q in range(s):
            i = sc_i[q]
            j = sc_j[q]
            ei = first_up + (i - s0)
            ej = first_up + (j - s0)
            wgt = a_w[i] + a_w[j]
            fl = a_fl[i] | a_fl[j]
            for side in range(2):
                if side == 0:
                    x = a_nbr[i]
                    y = a_nbr[j]
                    c1 = ei
                    c2 = ej
                else:
                    x = a_nbr[j]
                    y = a_nbr[i]
                    c1 = ej
                    c2 = ei
                # Keep an existing x-y edge that dominates (no longer, flags within); replace one it
                # dominates.
                xs = a_start[x]
                done = False
                for kk in range(a_len[x]):
                    e = xs + kk
                    if a_nbr[e] != y:
                        continue
                    if a_w[e] <= wgt and (a_fl[e] & ~fl) == 0:
                        done = True
                        break
                    if wgt <= a_w[e] and (fl & ~a_fl[e]) == 0:
                        a_w[e] = wgt
                        a_fl[e] = fl
                        a_c1[e] = c1
                        a_c2[e] = c2
                        done = True
                        break
                if done:
                    continue
                if a_len[x] == a_cap[x]:
                    new_cap = 2 * a_cap[x] + 2
                    if pool + new_cap > a_nbr.shape[0]:
                        a_nbr = _grow(a_nbr, pool + new_cap)
                        a_w = _grow(a_w, pool + new_cap)
                        a_fl = _grow(a_fl, pool + new_cap)
                        a_c1 = _grow(a_c1, pool + new_cap)
                        a_c2 = _grow(a_c2, pool + new_cap)
                    for kk in range(a_len[x]):
                        a_nbr[pool + kk] = a_nbr[xs + kk]
                        a_w[pool + kk] = a_w[xs + kk]
                        a_fl[pool + kk] = a_fl[xs + kk]
                        a_c1[pool + kk] = a_c1[xs + kk]
                        a_c2[pool + kk] = a_c2[xs + kk]
                    a_start[x] = pool
                    a_cap[x] = new_cap
                    pool += new_cap
                    xs = pool - new_cap
                e = xs + a_len[x]
                a_nbr[e] = y
                a_w[e] = wgt
                a_fl[e] = fl
                a_c1[e] = c1
                a_c2[e] = c2
                a_len[x] += 1
        # Neighbours lost one live neighbour: their importance changes.
        for k in range(deg):
            x = up_tgt[first_up + k]
            if contracted[x]:
                continue
            deleted_nbrs[x] += 1
            if level[v] + 1 > level[x]:
                level[x] = level[v] + 1
            if not update_neighbours:
                continue
            dx = a_len[x]
            if dx * (dx - 1) // 2 > sc_i.shape[0]:
                sc_i = np.empty(dx * (dx - 1), np.int64)
                sc_j = np.empty(dx * (dx - 1), np.int64)
            sx = _needed_shortcuts(
                x, settle_limit_sim, a_start, a_len, a_nbr, a_w, a_fl, dist, touched, hk, hn, hpos, sc_i, sc_j
            )
            qsize = _heap_set(
                qk, qn, qpos, qsize, x, float(2 * sx - dx + deleted_nbrs[x] + level_weight * level[x])
            )
    return (
        rank,
        up_src[:n_up].copy(),
        up_tgt[:n_up].copy(),
        up_w[:n_up].copy(),
        up_fl[:n_up].copy(),
        up_c1[:n_up].copy(),
        up_c2[:n_up].copy(),
    )


@njit(cache=True)
def levels(n, src, tgt):
    """Each node's depth in the hierarchy: 0 if no up-edge reaches it, else one more than its deepest feeder.

    Up-edges must come in contraction order of their source (as :func:`contract` returns them), so a source's
    level is final before its edges are read.
    """
    level = np.zeros(n, np.int32)
    for e in range(src.shape[0]):
        if level[src[e]] + 1 > level[tgt[e]]:
            level[tgt[e]] = level[src[e]] + 1
    return level


# ----------------------------------------------------------------------------------------------------
# Queries. All take the upward graph in rank space and a workspace: ``dist_*`` full of inf, ``pos_*`` full of
# -1
# (each search restores them before it returns).


@njit(cache=True)
def _upward_settle(r, d, dist, up_indptr, up_tgt, up_w, up_fl, avoid):
    """Stall-on-demand: ``True`` if a higher node already reaches ``r`` shorter, so ``r`` need not be
    expanded."""
    for e in range(up_indptr[r], up_indptr[r + 1]):
        if (up_fl[e] & avoid) == 0 and dist[up_tgt[e]] + up_w[e] < d:
            return True
    return False


@njit(cache=True)
def query(
    s,
    t,
    avoid,
    up_indptr,
    up_tgt,
    up_w,
    up_fl,
    dist_f,
    dist_b,
    par_f,
    par_b,
    touched,
    hk_f,
    hn_f,
    pos_f,
    hk_b,
    hn_b,
    pos_b,
):
    """Bidirectional upward search between ranks ``s`` and ``t``.

    Returns ``(distance, meeting rank)``; ``par_f``/``par_b`` then hold the up-edge that reached each node,
    valid
    until the caller resets the workspace with :func:`reset`. Returns the touched count as the third value.
    """
    nt = 0
    dist_f[s] = 0.0
    par_f[s] = -1
    touched[nt] = s
    nt += 1
    if dist_b[t] == INF:
        touched[nt] = t
        nt += 1
    dist_b[t] = 0.0
    par_b[t] = -1
    size_f = _heap_set(hk_f, hn_f, pos_f, 0, s, 0.0)
    size_b = _heap_set(hk_b, hn_b, pos_b, 0, t, 0.0)
    best = INF
    meet = -1
    if s == t:
        best = 0.0
        meet = s
    while size_f > 0 or size_b > 0:
        fwd = size_f > 0 and (size_b == 0 or hk_f[0] <= hk_b[0])
        if fwd:
            if hk_f[0] >= best:
                for i in range(size_f):
                    pos_f[hn_f[i]] = -1
                size_f = 0
                continue
            u, d, size_f = _heap_pop(hk_f, hn_f, pos_f, size_f)
            dist, other, par = dist_f, dist_b, par_f
        else:
            if hk_b[0] >= best:
                for i in range(size_b):
                    pos_b[hn_b[i]] = -1
                size_b = 0
                continue
            u, d, size_b = _heap_pop(hk_b, hn_b, pos_b, size_b)
            dist, other, par = dist_b, dist_f, par_b
        if other[u] + d < best:
            best = other[u] + d
            meet = u
        if _upward_settle(u, d, dist, up_indptr, up_tgt, up_w, up_fl, avoid):
            continue
        for e in range(up_indptr[u], up_indptr[u + 1]):
            if (up_fl[e] & avoid) != 0:
                continue
            x = up_tgt[e]
            nd = d + up_w[e]
            if nd < dist[x]:
                if dist_f[x] == INF and dist_b[x] == INF:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                par[x] = e
                if fwd:
                    size_f = _heap_set(hk_f, hn_f, pos_f, size_f, x, nd)
                else:
                    size_b = _heap_set(hk_b, hn_b, pos_b, size_b, x, nd)
    for i in range(size_f):
        pos_f[hn_f[i]] = -1
    for i in range(size_b):
        pos_b[hn_b[i]] = -1
    return best, meet, nt


@njit(cache=True)
def reset(touched, nt, dist_f, dist_b):
    for i in range(nt):
        dist_f[touched[i]] = INF
        dist_b[touched[i]] = INF


@njit(cache=True)
def query_many(
    sources,
    targets,
    avoid,
    up_indptr,
    up_tgt,
    up_w,
    up_fl,
    dist_f,
    dist_b,
    par_f,
    par_b,
    touched,
    hk_f,
    hn_f,
    pos_f,
    hk_b,
    hn_b,
    pos_b,
):
    """Distances of the pairs ``(sources[i], targets[i])`` (ranks)."""
    out = np.empty(sources.shape[0])
    for i in range(sources.shape[0]):
        d, _, nt = query(
            sources[i],
            targets[i],
            avoid,
            up_indptr,
            up_tgt,
            up_w,
            up_fl,
            dist_f,
            dist_b,
            par_f,
            par_b,
            touched,
            hk_f,
            hn_f,
            pos_f,
            hk_b,
            hn_b,
            pos_b,
        )
        reset(touched, nt, dist_f, dist_b)
        out[i] = d
    return out


@njit(cache=True)
def unpack(s, t, meet, par_f, par_b, edges):
    """The rank path ``s .. t`` through ``meet``, with every shortcut expanded to original edges.

    ``edges[e]`` is ``(up_src, up_tgt, up_c1, up_c2)`` of up-edge ``e``: one row per edge keeps the recursion
    to one cache miss per edge, which is what the expansion's time is made of.
    """
    # The up-edges of the path in travel order, with their direction (forward: up_src -> up_tgt).
    n_f = 0
    x = meet
    while x != s:
        n_f += 1
        x = edges[par_f[x], 0]
    n_b = 0
    x = meet
    while x != t:
        n_b += 1
        x = edges[par_b[x], 0]
    top_e = np.empty(n_f + n_b, np.int64)
    x = meet
    for i in range(n_f - 1, -1, -1):
        top_e[i] = par_f[x]
        x = edges[top_e[i], 0]
    x = meet
    for i in range(n_b):
        top_e[n_f + i] = par_b[x]
        x = edges[top_e[n_f + i], 0]
    path = np.empty(256, np.int64)
    path[0] = s
    n_path = 1
    stack_e = np.empty(64, np.int64)
    stack_f = np.empty(64, np.bool_)
    for i in range(n_f + n_b):
        stack_e[0] = top_e[i]
        stack_f[0] = i < n_f
        depth = 1
        while depth > 0:
            depth -= 1
            e = stack_e[depth]
            fwd = stack_f[depth]
            c1 = edges[e, 2]
            if c1 < 0:
                if n_path == path.shape[0]:
                    path = _grow(path, 2 * n_path)
                path[n_path] = edges[e, 1] if fwd else edges[e, 0]
                n_path += 1
                continue
            if depth + 2 > stack_e.shape[0]:
                stack_e = _grow(stack_e, depth + 2)
                stack_f = _grow(stack_f, depth + 2)
            # e = c1 (mid -> up_src) + c2 (mid -> up_tgt): push the half travelled second first.
            c2 = edges[e, 3]
            if fwd:
                stack_e[depth] = c2
                stack_f[depth] = True
                stack_e[depth + 1] = c1
                stack_f[depth + 1] = False
            else:
                stack_e[depth] = c1
                stack_f[depth] = True
                stack_e[depth + 1] = c2
                stack_f[depth + 1] = False
            depth += 2
    return path[:n_path].copy()


@njit(cache=True)
def route_query(
    s,
    t,
    avoid,
    up_indptr,
    up_tgt,
    up_w,
    up_fl,
    edges,
    dist_f,
    dist_b,
    par_f,
    par_b,
    touched,
    hk_f,
    hn_f,
    pos_f,
    hk_b,
    hn_b,
    pos_b,
):
    """:func:`query` then :func:`unpack` in one call: ``(distance, rank path)``, the path empty if none."""
    d, meet, nt = query(
        s, t, avoid, up_indptr, up_tgt, up_w, up_fl, dist_f, dist_b, par_f, par_b, touched, hk_f, hn_f, pos_f,
        hk_b, hn_b, pos_b,
    )  # fmt: skip
    path = np.empty(0, np.int64) if meet < 0 else unpack(s, t, meet, par_f, par_b, edges)
    reset(touched, nt, dist_f, dist_b)
    return d, path


@njit(cache=True)
def _upward_all(s, avoid, up_indptr, up_tgt, up_w, up_fl, dist, touched, hk, hn, pos, out_nodes, out_dist):
    """Full upward search from rank ``s`` with stalling; the settled, unstalled nodes go to ``out_*``.

    Returns ``(count in out_*, touched count)``.
    """
    nt = 0
    nout = 0
    dist[s] = 0.0
    touched[nt] = s
    nt += 1
    size = _heap_set(hk, hn, pos, 0, s, 0.0)
    while size > 0:
        u, d, size = _heap_pop(hk, hn, pos, size)
        if _upward_settle(u, d, dist, up_indptr, up_tgt, up_w, up_fl, avoid):
            continue
        out_nodes[nout] = u
        out_dist[nout] = d
        nout += 1
        for e in range(up_indptr[u], up_indptr[u + 1]):
            if (up_fl[e] & avoid) != 0:
                continue
            x = up_tgt[e]
            nd = d + up_w[e]
            if nd < dist[x]:
                if dist[x] == INF:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                size = _heap_set(hk, hn, pos, size, x, nd)
    return nout, nt


@njit(cache=True)
def table(sources, targets, avoid, up_indptr, up_tgt, up_w, up_fl, dist, touched, hk, hn, pos):
    """Many-to-many distances between ranks by buckets: targets fill buckets, sources scan them."""
    n = up_indptr.shape[0] - 1
    nodes_buf = np.empty(n, np.int64)
    dist_buf = np.empty(n, np.float64)
    # Backward searches from every target: (node, target index, distance) triples.
    b_node = np.empty(1024, np.int64)
    b_tix = np.empty(1024, np.int64)
    b_d = np.empty(1024, np.float64)
    nb = 0
    for j in range(targets.shape[0]):
        nout, nt = _upward_all(
            targets[j], avoid, up_indptr, up_tgt, up_w, up_fl, dist, touched, hk, hn, pos, nodes_buf, dist_buf
        )
        for k in range(nt):
            dist[touched[k]] = INF
        if nb + nout > b_node.shape[0]:
            b_node = _grow(b_node, nb + nout)
            b_tix = _grow(b_tix, nb + nout)
            b_d = _grow(b_d, nb + nout)
        for k in range(nout):
            b_node[nb] = nodes_buf[k]
            b_tix[nb] = j
            b_d[nb] = dist_buf[k]
            nb += 1
    # Buckets as a CSR over nodes.
    counts = np.zeros(n + 1, np.int64)
    for k in range(nb):
        counts[b_node[k] + 1] += 1
    for r in range(n):
        counts[r + 1] += counts[r]
    fill = counts[:-1].copy()
    bk_t = np.empty(nb, np.int64)
    bk_d = np.empty(nb, np.float64)
    for k in range(nb):
        p = fill[b_node[k]]
        bk_t[p] = b_tix[k]
        bk_d[p] = b_d[k]
        fill[b_node[k]] += 1
    out = np.full((sources.shape[0], targets.shape[0]), INF)
    for i in range(sources.shape[0]):
        nout, nt = _upward_all(
            sources[i], avoid, up_indptr, up_tgt, up_w, up_fl, dist, touched, hk, hn, pos, nodes_buf, dist_buf
        )
        for k in range(nt):
            dist[touched[k]] = INF
        row = out[i]
        for k in range(nout):
            u = nodes_buf[k]
            du = dist_buf[k]
            for p in range(counts[u], counts[u + 1]):
                d = du + bk_d[p]
                if d < row[bk_t[p]]:
                    row[bk_t[p]] = d
    return out


@njit(cache=True)
def one_to_all(s, avoid, up_indptr, up_tgt, up_w, up_fl, hk, hn, pos):
    """PHAST: an upward search from rank ``s``, then one sweep down the ranks. Distances are in rank order."""
    n = up_indptr.shape[0] - 1
    dist = np.full(n, INF)
    dist[s] = 0.0
    size = _heap_set(hk, hn, pos, 0, s, 0.0)
    while size > 0:
        u, d, size = _heap_pop(hk, hn, pos, size)
        for e in range(up_indptr[u], up_indptr[u + 1]):
            if (up_fl[e] & avoid) != 0:
                continue
            x = up_tgt[e]
            nd = d + up_w[e]
            if nd < dist[x]:
                dist[x] = nd
                size = _heap_set(hk, hn, pos, size, x, nd)
    # Every node's shortest path ends with a downward run: settle ranks from the top down.
    for r in range(n - 1, -1, -1):
        d = dist[r]
        for e in range(up_indptr[r], up_indptr[r + 1]):
            if (up_fl[e] & avoid) != 0:
                continue
            nd = dist[up_tgt[e]] + up_w[e]
            if nd < d:
                d = nd
        dist[r] = d
    return dist
