"""The ledger engine (台账): declared registers, import (upload → dry run → commit) and export."""
