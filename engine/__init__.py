"""Scientia: a neurosymbolic reasoning engine whose every answer comes with its reason."""
from .answer import Answer, Answers, Verdict
from .kb import KnowledgeBase

__all__ = ["Answer", "Answers", "KnowledgeBase", "Verdict"]
