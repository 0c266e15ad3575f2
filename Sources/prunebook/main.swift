import PrunebookCLI

Prunebook.main()
