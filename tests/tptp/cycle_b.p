include('cycle_a.p').
