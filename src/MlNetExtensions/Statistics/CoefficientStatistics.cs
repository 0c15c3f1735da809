using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;

namespace MlNetExtensions;

/// <summary>
/// What every fitted linear model's statistics share: the coefficients (bias at index 0, then one weight per feature, as
/// ML.NET's statistics order them), their standard errors, test statistics (t or z) and two-sided p-values when they are
/// available, the reason when they are not, and one coefficient table.
/// </summary>
public abstract class CoefficientStatistics
{
    private readonly double[] _coefficients;
    private readonly double[]? _standardErrors;
    private readonly double[]? _testStatistics;
    private readonly double[]? _pValues;

    /// <param name="count">Rows with a positive weight.</param>
    /// <param name="coefficients">Bias first, then the weights.</param>
    /// <param name="standardErrors">Bias first; null when unavailable.</param>
    /// <param name="unavailableReason">Why the standard errors are unavailable (ignored when they are given).</param>
    /// <param name="degreesOfFreedom">Student t with these degrees of freedom; null: the standard normal (Wald z).</param>
    private protected CoefficientStatistics(long count, double[] coefficients, double[]? standardErrors, string? unavailableReason,
        long? degreesOfFreedom)
    {
        Count = count;
        _coefficients = coefficients;
        UnavailableReason = standardErrors is null ? unavailableReason ?? "no standard errors were computed" : null;
        if (standardErrors is null) return;
        _standardErrors = standardErrors;
        _testStatistics = new double[standardErrors.Length];
        _pValues = new double[standardErrors.Length];
        for (int i = 0; i < standardErrors.Length; i++)
        {
            _testStatistics[i] = coefficients[i] / standardErrors[i];
            _pValues[i] = TwoSidedPValue(_testStatistics[i], degreesOfFreedom);
        }
    }

    /// <summary>n: rows with a positive example weight.</summary>
    public long Count { get; }

    /// <summary>p: the number of coefficients, features plus the bias.</summary>
    public int ParameterCount => _coefficients.Length;

    /// <summary>The coefficients the statistics describe: bias at index 0, then one weight per feature.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>True when standard errors, test statistics and p-values are available.</summary>
    public bool HasCoefficientStatistics => _standardErrors is not null;

    /// <summary>Why the coefficient statistics are unavailable (null when they are available).</summary>
    public string? UnavailableReason { get; }

    /// <summary>Standard errors, bias first; null when <see cref="HasCoefficientStatistics"/> is false.</summary>
    public IReadOnlyList<double>? StandardErrors => _standardErrors;

    /// <summary>Two-sided p-values of H₀: coefficient = 0, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? PValues => _pValues;

    /// <summary>coefficient / standard error (t or z), bias first; null when unavailable.</summary>
    private protected IReadOnlyList<double>? TestStatistics => _testStatistics;

    /// <summary>The column heading of the test statistic ("t" or "z").</summary>
    private protected abstract string TestStatisticName { get; }

    /// <summary>The lines under the table (fit summary).</summary>
    private protected abstract IEnumerable<string> SummaryLines();

    /// <summary>
    /// The coefficient table as text (one line per coefficient: estimate, standard error, test statistic, p), followed by
    /// the fit summary. The name column is as wide as the longest name.
    /// </summary>
    /// <param name="featureNames">Names for the features (slot names); null gives f0, f1, ….</param>
    public string ToTable(IReadOnlyList<string>? featureNames = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var names = Enumerable.Range(0, ParameterCount)
            .Select(i => i == 0 ? "(bias)" : featureNames is not null && i - 1 < featureNames.Count ? featureNames[i - 1] : $"f{i - 1}")
            .ToArray();
        int width = Math.Max("coefficient".Length, names.Max(n => n.Length));
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(inv, "{0} {1,12} {2,12} {3,9} {4,10}", "coefficient".PadRight(width), "estimate", "std. error",
            TestStatisticName, "p"));
        for (int i = 0; i < ParameterCount; i++)
        {
            string name = names[i].PadRight(width);
            if (_standardErrors is null)
                sb.AppendLine(string.Format(inv, "{0} {1,12:G6} {2,12} {3,9} {4,10}", name, _coefficients[i], "-", "-", "-"));
            else
                sb.AppendLine(string.Format(inv, "{0} {1,12:G6} {2,12:G6} {3,9:F3} {4,10}", name, _coefficients[i],
                    _standardErrors[i], _testStatistics![i], FormatPValue(_pValues![i])));
        }
        foreach (var line in SummaryLines()) sb.AppendLine(line);
        if (UnavailableReason is not null) sb.AppendLine("Coefficient statistics unavailable: " + UnavailableReason + ".");
        return sb.ToString();
    }

    /// <summary>
    /// 2·P(T ≥ |t|) for Student's t with <paramref name="degreesOfFreedom"/>, or 2·Φ(−|z|) for the standard normal when
    /// null; from the lower tail, so that small p-values keep their digits (1 − CDF would round them to 0 below 1e-16).
    /// NaN for a non-finite statistic.
    /// </summary>
    internal static double TwoSidedPValue(double statistic, long? degreesOfFreedom)
    {
        if (!double.IsFinite(statistic)) return double.NaN;
        double tail = degreesOfFreedom is { } df
            ? StudentT.CDF(0, 1, df, -Math.Abs(statistic))
            : Normal.CDF(0, 1, -Math.Abs(statistic));
        return Math.Min(1, 2 * tail);
    }

    /// <summary>p as R prints it: four decimals, scientific below 1e-4, and "&lt;2e-16" below double's epsilon.</summary>
    internal static string FormatPValue(double p)
        => double.IsNaN(p) ? "NaN"
            : p < 2.2e-16 ? "<2e-16"
            : p < 1e-4 ? p.ToString("0.0E+0", CultureInfo.InvariantCulture) : p.ToString("F4", CultureInfo.InvariantCulture);
}
