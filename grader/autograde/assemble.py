"""Build the notebook to grade from a student's notebook and the source notebook.

Test cells and locked cells always come from the source (with hidden tests), whatever
the student did to them: edited, deleted, split or duplicated. Answer cells come from
the student, matched by ``grade_id``; a deleted answer cell is put back as released
(so it scores zero, not an error for the whole notebook). Cells the student added stay
where the student put them.
"""

from __future__ import annotations

import copy

import nbformat

from grader.notebooks import cells


def _clean(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.get("metadata", {}).pop("grader_status", None)
    return cell


def assemble(source: nbformat.NotebookNode, student: nbformat.NotebookNode | None,
             release: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The notebook to execute for one student (``student=None``: the blank release)."""
    release = release or source
    by_id_source = {cells.grade_id(c): c for c in source.cells if cells.grade_id(c)}
    by_id_release = {cells.grade_id(c): c for c in release.cells if cells.grade_id(c)}
    nb = copy.deepcopy(source)
    if student is None:
        student = release

    trusted = {gid for gid, c in by_id_source.items()
               if not cells.is_solution(c)}  # tests, locked provided cells
    out: list = []
    placed: set[str] = set()
    for cell in student.cells:
        gid = cells.grade_id(cell)
        if gid in by_id_source:
            if gid in placed:
                continue  # a duplicate of a cell we already have
            placed.add(gid)
            if gid in trusted:
                out.append(_clean(by_id_source[gid]))
            else:
                answer = _clean(cell)
                answer["metadata"]["nbgrader"] = copy.deepcopy(by_id_source[gid]["metadata"]["nbgrader"])
                if answer.get("cell_type") != by_id_source[gid].get("cell_type"):
                    answer = _clean(by_id_release.get(gid, by_id_source[gid]))
                out.append(answer)
        else:
            free = _clean(cell)
            free.get("metadata", {}).pop("nbgrader", None)
            out.append(free)

    # Put back what the student deleted, after the nearest earlier cell that is present.
    order = [cells.grade_id(c) for c in source.cells]
    for i, gid in enumerate(order):
        if gid is None or gid in placed:
            continue
        restored = _clean(by_id_source[gid] if gid in trusted else by_id_release.get(gid, by_id_source[gid]))
        anchor = next((order[j] for j in range(i - 1, -1, -1) if order[j] in placed), None)
        pos = 0
        if anchor is not None:
            pos = next(k for k, c in enumerate(out) if cells.grade_id(c) == anchor) + 1
        out.insert(pos, restored)
        placed.add(gid)
    nb.cells = out
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"graded-{i:03d}"
    return nb
