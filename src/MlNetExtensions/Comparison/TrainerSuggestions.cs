using Microsoft.ML;

namespace MlNetExtensions;

/// <summary>
/// Ready-made candidate lists for <c>CompareTrainers</c>: this library's trainers next to the built-ins that ship in the
/// Microsoft.ML package itself (add FastTree and LightGbm from their own packages as extra candidates).
/// Each gradient-based candidate is preceded by mean-variance normalisation, as ML.NET recommends for them.
/// </summary>
public static class TrainerSuggestions
{
    /// <summary>ClosedFormLinearRegression, Sdca, OnlineGradientDescent, LbfgsPoissonRegression (the last needs labels ≥ 0).</summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> Regression(MLContext mlContext, string labelColumnName = "Label", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.Regression.Trainers;
        var normalize = mlContext.Transforms.NormalizeMeanVariance(featureColumnName);
        return
        [
            new("ClosedFormLinearRegression", t.ClosedFormLinearRegression(labelColumnName, featureColumnName)),
            new("Sdca", normalize.Append(t.Sdca(labelColumnName, featureColumnName))),
            new("OnlineGradientDescent", normalize.Append(t.OnlineGradientDescent(labelColumnName, featureColumnName))),
            new("LbfgsPoissonRegression", normalize.Append(t.LbfgsPoissonRegression(labelColumnName, featureColumnName))),
        ];
    }

    /// <summary>LbfgsLogisticRegression, SdcaLogisticRegression, AveragedPerceptron, LinearSvm.</summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (Boolean).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> BinaryClassification(MLContext mlContext, string labelColumnName = "Label", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.BinaryClassification.Trainers;
        var normalize = mlContext.Transforms.NormalizeMeanVariance(featureColumnName);
        return
        [
            new("LbfgsLogisticRegression", normalize.Append(t.LbfgsLogisticRegression(labelColumnName, featureColumnName))),
            new("SdcaLogisticRegression", normalize.Append(t.SdcaLogisticRegression(labelColumnName, featureColumnName))),
            new("AveragedPerceptron", normalize.Append(t.AveragedPerceptron(labelColumnName, featureColumnName))),
            new("LinearSvm", normalize.Append(t.LinearSvm(labelColumnName, featureColumnName))),
        ];
    }

    /// <summary>LbfgsMaximumEntropy, SdcaMaximumEntropy, OneVersusAll over LbfgsLogisticRegression.</summary>
    /// <param name="mlContext">The context whose catalogs build the trainers.</param>
    /// <param name="labelColumnName">Label column (a key: map it with <c>MapValueToKey</c> first).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    public static IReadOnlyList<TrainerCandidate> MulticlassClassification(MLContext mlContext, string labelColumnName = "Label", string featureColumnName = "Features")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var t = mlContext.MulticlassClassification.Trainers;
        var normalize = mlContext.Transforms.NormalizeMeanVariance(featureColumnName);
        return
        [
            new("LbfgsMaximumEntropy", normalize.Append(t.LbfgsMaximumEntropy(labelColumnName, featureColumnName))),
            new("SdcaMaximumEntropy", normalize.Append(t.SdcaMaximumEntropy(labelColumnName, featureColumnName))),
            new("OneVersusAll (LbfgsLogisticRegression)", normalize.Append(t.OneVersusAll(
                mlContext.BinaryClassification.Trainers.LbfgsLogisticRegression(featureColumnName: featureColumnName), labelColumnName))),
        ];
    }
}
