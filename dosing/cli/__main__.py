import sys

from dosing.cli import main

sys.exit(main())
