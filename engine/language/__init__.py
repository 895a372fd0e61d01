"""The language: syntax, the lark parser, walks over formulas, static checks, the TPTP reader."""
