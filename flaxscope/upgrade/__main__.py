"""``python -m flaxscope.upgrade``: the same as the ``flaxscope-upgrade`` command."""

from flaxscope.upgrade.cli import main

raise SystemExit(main())
