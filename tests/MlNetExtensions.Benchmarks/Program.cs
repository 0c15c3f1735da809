using BenchmarkDotNet.Running;
using MlNetExtensions.Benchmarks;

// Two ways in:
//   dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- compare [suite ...]
//       the side-by-side harness: every contender on the same data in one run, interleaved, ratios printed as Markdown;
//   dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- bdn [BenchmarkDotNet arguments, e.g. --filter *Linear*]
//       the BenchmarkDotNet classes, for careful single-method timings.
if (args.Length > 0 && args[0] == "compare")
    return Comparison.Run(args.Skip(1).ToArray());
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(Comparison).Assembly).Run(args.Skip(1).ToArray());
    return 0;
}
Console.Error.WriteLine("usage: -- compare [" + string.Join("|", Comparison.SuiteNames) + "] ... | -- bdn [BenchmarkDotNet args]");
return 2;
