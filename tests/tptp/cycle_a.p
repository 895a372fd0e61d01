include('cycle_b.p').
