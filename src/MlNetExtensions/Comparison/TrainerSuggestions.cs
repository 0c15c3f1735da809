using Microsoft.ML;

namespace MlNetExtensions;

/// <summary>
/// Ready-made candidate lists for <c>CompareTrainers</c>: this library's trainers next to the built-ins that ship in the
/// Microsoft.ML package itself (add FastTree and LightGbm from their own packages as extra candidates). Each
/// gradient-based candidate (the built-ins and the MLP) is preceded by mean-variance normalisation, as ML.NET recommends
/// for them; the closed-form and Newton-based trainers need none.
/// </summary>
public static class TrainerSuggestions
{
    /// <summary>
    /// ClosedFormLinearRegression, Mlp (one hidden layer of 32), PoissonRegression (needs labels ≥ 0), and ML.NET's Sdca,
    /// OnlineGradientDescent and LbfgsPoissonRegression.
    /// </summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> Regression(MLContext mlContext, string labelColumnName = DefaultColumnNames.Label,
        string featureColumnName = DefaultColumnNames.Features)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.Regression.Trainers;
        var normalize = Normalizer(mlContext, featureColumnName);
        return
        [
            new("ClosedFormLinearRegression", t.ClosedFormLinearRegression(labelColumnName, featureColumnName)),
            new("Mlp", normalize.Append(t.Mlp(labelColumnName, featureColumnName))),
            new("PoissonRegression", t.PoissonRegression(labelColumnName, featureColumnName)),
            new("Sdca", normalize.Append(t.Sdca(labelColumnName, featureColumnName))),
            new("OnlineGradientDescent", normalize.Append(t.OnlineGradientDescent(labelColumnName, featureColumnName))),
            new("LbfgsPoissonRegression", normalize.Append(t.LbfgsPoissonRegression(labelColumnName, featureColumnName))),
        ];
    }

    /// <summary>
    /// BceLogisticRegression, Mlp (one hidden layer of 32), and ML.NET's LbfgsLogisticRegression, SdcaLogisticRegression,
    /// AveragedPerceptron and LinearSvm.
    /// </summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (Boolean).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> BinaryClassification(MLContext mlContext, string labelColumnName = DefaultColumnNames.Label,
        string featureColumnName = DefaultColumnNames.Features)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.BinaryClassification.Trainers;
        var normalize = Normalizer(mlContext, featureColumnName);
        return
        [
            new("BceLogisticRegression", t.BceLogisticRegression(labelColumnName, featureColumnName)),
            new("Mlp", normalize.Append(t.Mlp(labelColumnName, featureColumnName))),
            new("LbfgsLogisticRegression", normalize.Append(t.LbfgsLogisticRegression(labelColumnName, featureColumnName))),
            new("SdcaLogisticRegression", normalize.Append(t.SdcaLogisticRegression(labelColumnName, featureColumnName))),
            new("AveragedPerceptron", normalize.Append(t.AveragedPerceptron(labelColumnName, featureColumnName))),
            new("LinearSvm", normalize.Append(t.LinearSvm(labelColumnName, featureColumnName))),
        ];
    }

    /// <summary>
    /// Mlp (one hidden layer of 32), OneVersusAll over BceLogisticRegression, and ML.NET's LbfgsMaximumEntropy,
    /// SdcaMaximumEntropy and OneVersusAll over LbfgsLogisticRegression.
    /// </summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (a key: map it with <c>MapValueToKey</c> first).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> MulticlassClassification(MLContext mlContext, string labelColumnName = DefaultColumnNames.Label,
        string featureColumnName = DefaultColumnNames.Features)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.MulticlassClassification.Trainers;
        var binary = mlContext.BinaryClassification.Trainers;
        var normalize = Normalizer(mlContext, featureColumnName);
        return
        [
            new("Mlp", normalize.Append(t.Mlp(labelColumnName, featureColumnName))),
            new("OneVersusAll (BceLogisticRegression)", t.OneVersusAll(binary.BceLogisticRegression(featureColumnName: featureColumnName), labelColumnName)),
            new("LbfgsMaximumEntropy", normalize.Append(t.LbfgsMaximumEntropy(labelColumnName, featureColumnName))),
            new("SdcaMaximumEntropy", normalize.Append(t.SdcaMaximumEntropy(labelColumnName, featureColumnName))),
            new("OneVersusAll (LbfgsLogisticRegression)", normalize.Append(t.OneVersusAll(
                binary.LbfgsLogisticRegression(featureColumnName: featureColumnName), labelColumnName))),
        ];
    }

    /// <summary>
    /// ML.NET's mean-variance scaling as it is by default (zeros stay zero, so sparse text and one-hot vectors stay sparse). For
    /// dense tabular features, centring too (<c>fixZero: false</c>) trains the MLP better.
    /// </summary>
    private static Microsoft.ML.Transforms.NormalizingEstimator Normalizer(MLContext mlContext, string featureColumnName)
        => mlContext.Transforms.NormalizeMeanVariance(featureColumnName);
}
