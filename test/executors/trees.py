"""Recursive and deeply nested models: a tree of nodes (self-reference through a list) and a
four-level chain of nested docs. `/tree` counts the nodes of each tree; `/deep` upper-cases the
innermost label."""
from typing import List, Optional

from docarray import BaseDoc, DocList
from jina import Executor, requests


class TreeNode(BaseDoc):
    label: str
    children: List['TreeNode'] = []


TreeNode.model_rebuild()


class TreeDoc(BaseDoc):
    root: TreeNode
    size: Optional[int] = None


class Level3(BaseDoc):
    label: str


class Level2(BaseDoc):
    level3: Level3
    tags: List[str] = []


class Level1(BaseDoc):
    level2: Level2


class DeepDoc(BaseDoc):
    level1: Level1
    note: Optional[str] = None


def _count(node: TreeNode) -> int:
    return 1 + sum(_count(child) for child in node.children)


class Trees(Executor):
    @requests(on='/tree')
    def tree(self, docs: DocList[TreeDoc], **kwargs) -> DocList[TreeDoc]:
        for doc in docs:
            doc.size = _count(doc.root)
        return docs

    @requests(on='/deep')
    def deep(self, docs: DocList[DeepDoc], **kwargs) -> DocList[DeepDoc]:
        for doc in docs:
            doc.level1.level2.level3.label = doc.level1.level2.level3.label.upper()
        return docs
