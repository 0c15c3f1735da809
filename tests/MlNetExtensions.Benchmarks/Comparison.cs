using System.Diagnostics;
using System.Globalization;

namespace MlNetExtensions.Benchmarks;

/// <summary>One side-by-side comparison: runs its contenders on the same data and prints a Markdown table of ratios.</summary>
internal interface IComparisonSuite
{
    string Name { get; }
    void Run(TextWriter output);
}

/// <summary>The comparison harness: runs the named suites (all when none is named).</summary>
internal static class Comparison
{
    private static readonly IComparisonSuite[] Suites =
    [
        new LinearRegressionComparison(),
        new LogisticRegressionComparison(),
        new WideLogisticComparison(),
        new RidgeTextComparison(),
        new SklearnComparison(),
        new ScaleComparison(),
        new MlpComparison(),
        new MlpScoringComparison(),
        new MlpInitialisationExperiment(),
        new MlpQualityComparison(),
        new MlpTextComparison(),
    ];

    public static IEnumerable<string> SuiteNames => Suites.Select(s => s.Name);

    public static int Run(string[] names)
    {
        var chosen = names.Length == 0 ? Suites : Suites.Where(s => names.Contains(s.Name)).ToArray();
        if (chosen.Length == 0)
        {
            Console.Error.WriteLine($"No suite named {string.Join(", ", names)}; known: {string.Join(", ", SuiteNames)}.");
            return 2;
        }
        Console.WriteLine($"Machine: {Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}, " +
                          $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        foreach (var suite in chosen) suite.Run(Console.Out);
        return 0;
    }

    /// <summary>
    /// Times each contender <paramref name="repetitions"/> times, interleaving them (A B C A B C …) so that a noisy
    /// neighbour hurts all alike, and returns the median milliseconds of each.
    /// </summary>
    public static double[] MedianMilliseconds(int repetitions, params Action[] contenders)
    {
        var times = contenders.Select(_ => new List<double>()).ToArray();
        foreach (var c in contenders) c(); // warm-up: JIT, caches
        for (int r = 0; r < repetitions; r++)
            for (int i = 0; i < contenders.Length; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var clock = Stopwatch.StartNew();
                contenders[i]();
                times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    }

    public static string F(double value, string format = "F2") => value.ToString(format, CultureInfo.InvariantCulture);
}
