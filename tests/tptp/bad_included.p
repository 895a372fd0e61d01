include('syntax_error.p').
