from lineage.cli import run

run()
