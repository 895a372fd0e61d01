include('LIB001.ax').
fof(goal, conjecture, p(a)).
