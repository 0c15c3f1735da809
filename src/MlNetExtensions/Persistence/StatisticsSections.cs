using System.Text;

namespace MlNetExtensions.Persistence;

/// <summary>
/// The sections that carry what this library attaches to ML.NET's own linear models: the linear and Poisson regression statistics,
/// and the logistic regression training report and double-precision statistics.
/// </summary>
/// <remarks>
/// Binary layouts, version 1 (little-endian; an array as int32 n then n values, n = −1 for null; a nullable string as a
/// bool then the string):
/// <code>
/// LinearRegressionStatistics:   int64 n, int32 p, float64 Σw, float64 RSS, float64 TSS, float64[] coefficients (bias
///                               first), float64[] standard errors, string? unavailable reason
/// LogisticRegressionStatistics: int64 n, int32 p, float64 Σw, float64 deviance, float64 null deviance, float64[]
///                               coefficients (bias first), float64[] standard errors, string? unavailable reason
///                               (Σw NaN when unknown; the AIC is deviance + 2·(1 + the non-zero weights))
/// PoissonRegressionStatistics:  int64 n, float64 Σw, float64 deviance, float64 null deviance, float64 AIC, float64[]
///                               coefficients (bias first), float64[] standard errors, string? unavailable reason
/// LogisticRegressionTrainingReport: int32 optimizer, int32 iterations, bool converged, bool separation, float64 objective,
///                               float64 gradient norm, float64[] objective history, int64 elapsed ticks
/// LinearRegressionSufficientStatistics: int32 d, int64 n, bool has shift, bool feature shift zero, float64[] shift (d
///                               features, then the label), float64[] upper triangle of the shifted sums over [x, y, 1]
///                               ((d + 2)(d + 3)/2 values, row by row: 4 MB at d = 1,000)
/// </code>
/// The statistics keep their own double-precision coefficients (what their t/z values were computed from); the Single
/// weights ML.NET scores with stay only in ML.NET's model, and the reader checks that the two agree, so statistics are
/// never attached to a model they do not describe. To add a section kind (e.g. the normal equations' sufficient
/// statistics, for exact continued training), give it a name, a version and a reader here and a case in
/// <see cref="ModelExtensions"/>; older readers skip kinds they do not know.
/// </remarks>
internal static class StatisticsSections
{
    public const string LinearRegressionStatisticsKind = "LinearRegressionStatistics";
    public const string LogisticRegressionStatisticsKind = "LogisticRegressionStatistics";
    public const string LogisticRegressionReportKind = "LogisticRegressionTrainingReport";
    public const string PoissonRegressionStatisticsKind = "PoissonRegressionStatistics";
    public const string LinearRegressionSufficientStatisticsKind = "LinearRegressionSufficientStatistics";
    public const int Version = 1;

    public static ExtensionSection Write(LinearRegressionStatistics s) => new(LinearRegressionStatisticsKind, Version, Bytes(w =>
    {
        w.Write(s.Count);
        w.Write(s.ParameterCount);
        w.Write(s.WeightSum);
        w.Write(s.ResidualSumOfSquares);
        w.Write(s.TotalSumOfSquares);
        WriteCoefficients(w, s);
    }));

    public static LinearRegressionStatistics ReadLinear(ExtensionSection section, string where) => Read(section, where, r =>
    {
        long n = r.ReadInt64();
        int p = r.ReadInt32();
        double weightSum = r.ReadDouble(), rss = r.ReadDouble(), tss = r.ReadDouble();
        var (coefficients, standardErrors, reason) = ReadCoefficients(r, section, where, n, p);
        return new LinearRegressionStatistics(n, weightSum, rss, tss, coefficients, standardErrors, reason);
    });

    public static ExtensionSection Write(LogisticRegressionStatistics s) => new(LogisticRegressionStatisticsKind, Version, Bytes(w =>
    {
        w.Write(s.Count);
        w.Write(s.ParameterCount);
        w.Write(s.WeightSum ?? double.NaN);
        w.Write(s.Deviance);
        w.Write(s.NullDeviance);
        WriteCoefficients(w, s);
    }));

    public static LogisticRegressionStatistics ReadLogistic(ExtensionSection section, string where) => Read(section, where, r =>
    {
        long n = r.ReadInt64();
        int p = r.ReadInt32();
        double weightSum = r.ReadDouble(), deviance = r.ReadDouble(), nullDeviance = r.ReadDouble();
        var (coefficients, standardErrors, reason) = ReadCoefficients(r, section, where, n, p);
        return LogisticRegressionStatistics.Restore(n, double.IsNaN(weightSum) ? null : weightSum, deviance, nullDeviance, coefficients,
            standardErrors, reason);
    });

    public static ExtensionSection Write(PoissonRegressionStatistics s) => new(PoissonRegressionStatisticsKind, Version, Bytes(w =>
    {
        w.Write(s.Count);
        w.Write(s.WeightSum ?? double.NaN);
        w.Write(s.Deviance);
        w.Write(s.NullDeviance);
        w.Write(s.Aic);
        WriteCoefficients(w, s);
    }));

    public static PoissonRegressionStatistics ReadPoisson(ExtensionSection section, string where) => Read(section, where, r =>
    {
        long n = r.ReadInt64();
        double weightSum = r.ReadDouble(), deviance = r.ReadDouble(), nullDeviance = r.ReadDouble(), aic = r.ReadDouble();
        var (coefficients, standardErrors, reason) = ReadCoefficients(r, section, where, n, null);
        return PoissonRegressionStatistics.Restore(n, weightSum, deviance, nullDeviance, aic, coefficients, standardErrors, reason);
    });

    public static ExtensionSection Write(LogisticRegressionTrainingReport report) => new(LogisticRegressionReportKind, Version, Bytes(w =>
    {
        w.Write((int)report.Optimizer);
        w.Write(report.Iterations);
        w.Write(report.Converged);
        w.Write(report.SeparationDetected);
        w.Write(report.Objective);
        w.Write(report.GradientNorm);
        WriteDoubles(w, report.ObjectiveHistory);
        w.Write(report.Elapsed.Ticks);
    }));

    public static LogisticRegressionTrainingReport ReadReport(ExtensionSection section, string where) => Read(section, where, r =>
    {
        var optimizer = (LogisticOptimizer)r.ReadInt32();
        int iterations = r.ReadInt32();
        bool converged = r.ReadBoolean(), separation = r.ReadBoolean();
        double objective = r.ReadDouble(), gradientNorm = r.ReadDouble();
        var history = ReadDoubles(r) ?? throw Bad(section, where, "no objective history");
        long ticks = r.ReadInt64();
        if (!Enum.IsDefined(optimizer) || iterations < 0 || ticks < 0) throw Bad(section, where, "values out of range");
        return new LogisticRegressionTrainingReport(optimizer, iterations, converged, separation, objective, gradientNorm, history,
            TimeSpan.FromTicks(ticks));
    });

    public static ExtensionSection Write(Numerics.NormalEquationState state) => new(LinearRegressionSufficientStatisticsKind, Version, Bytes(w =>
    {
        w.Write(state.FeatureCount);
        w.Write(state.Count);
        w.Write(state.HasShift);
        w.Write(state.FeatureShiftIsZero);
        WriteDoubles(w, state.Shift);
        WriteDoubles(w, state.UpperSums);
    }));

    public static Numerics.NormalEquationState ReadSufficientStatistics(ExtensionSection section, string where) => Read(section, where, r =>
    {
        int d = r.ReadInt32();
        long n = r.ReadInt64();
        bool hasShift = r.ReadBoolean(), featureShiftIsZero = r.ReadBoolean();
        var shift = ReadDoubles(r) ?? throw Bad(section, where, "no shift");
        var sums = ReadDoubles(r) ?? throw Bad(section, where, "no sums");
        long m = d + 2L;
        if (d < 0 || n < 0 || shift.Length != d + 1 || sums.Length != m * (m + 1) / 2) throw Bad(section, where, "sizes that do not fit");
        return new Numerics.NormalEquationState(d, n, hasShift, featureShiftIsZero, shift, sums);
    });

    /// <summary>What every statistics section ends with: float64[] coefficients (bias first), float64[] standard errors, string? reason.</summary>
    private static void WriteCoefficients(BinaryWriter w, CoefficientStatistics s)
    {
        WriteDoubles(w, s.Coefficients);
        WriteDoubles(w, s.StandardErrors);
        WriteString(w, s.UnavailableReason);
    }

    /// <summary>Reads <see cref="WriteCoefficients"/>' part, checking it against the count n and, when the section has one, p.</summary>
    private static (double[] Coefficients, double[]? StandardErrors, string? Reason) ReadCoefficients(BinaryReader r, ExtensionSection section,
        string where, long n, int? p)
    {
        var coefficients = ReadDoubles(r) ?? throw Bad(section, where, "no coefficients");
        var standardErrors = ReadDoubles(r);
        string? reason = ReadString(r);
        if (n < 0 || (p is { } count && count != coefficients.Length) || (standardErrors is not null && standardErrors.Length != coefficients.Length))
            throw Bad(section, where, "counts out of range");
        return (coefficients, standardErrors, reason);
    }

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) write(w);
        return buffer.ToArray();
    }

    private static T Read<T>(ExtensionSection section, string where, Func<BinaryReader, T> read)
    {
        ExtensionEntry.CheckVersion(section, Version, where);
        using var r = new BinaryReader(new MemoryStream(section.Payload, writable: false), Encoding.UTF8);
        try
        {
            var value = read(r);
            if (section.Version == Version && r.BaseStream.Position != r.BaseStream.Length)
                throw Bad(section, where, "bytes left over after the last field");
            return value;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The model entry '{where}': its '{section.Kind}' section is truncated.", e);
        }
    }

    private static void WriteDoubles(BinaryWriter w, IReadOnlyList<double>? values)
    {
        if (values is null) { w.Write(-1); return; }
        w.Write(values.Count);
        foreach (double v in values) w.Write(v);
    }

    private static double[]? ReadDoubles(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        if ((long)n * 8 > r.BaseStream.Length - r.BaseStream.Position) throw new EndOfStreamException();
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = r.ReadDouble();
        return values;
    }

    private static void WriteString(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static InvalidDataException Bad(ExtensionSection section, string where, string what)
        => new($"The model entry '{where}': its '{section.Kind}' section is damaged ({what}).");
}
