"""The z3 core: the only module of the search that imports z3, and the SMT-LIB text it writes."""
