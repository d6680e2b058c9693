from duty_console.cli import main

raise SystemExit(main())
