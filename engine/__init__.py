"""Scientia: a neurosymbolic reasoning engine whose every answer comes with its reason."""
