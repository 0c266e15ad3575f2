import PrunebookCLI

Prunebook.start()
