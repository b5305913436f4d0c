from itbs_geno.cli import main

main()
