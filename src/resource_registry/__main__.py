from resource_registry.cli import main

main()
