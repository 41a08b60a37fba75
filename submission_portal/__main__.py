"""`python -m submission_portal [validate x.zip]`."""

import sys

from submission_portal.cli import main

sys.exit(main())
