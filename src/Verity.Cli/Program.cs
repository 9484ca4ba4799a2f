return Verity.Cli.VerityCli.Run(args, Console.Out, Console.Error);
