from .shell.cli import main

raise SystemExit(main())
