using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Tests.Support;

/// <summary>The shipped data sets prepared for the MLP tests: standardised features, labels of each task's type.</summary>
public static class MlpData
{
    /// <summary>iris with the label mapped to a key (classes "0", "1", "2") and standardised features.</summary>
    public static IDataView Iris(MLContext ml, string file = "iris.csv")
    {
        var raw = TestData.Load(ml, file);
        var prep = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"));
        return prep.Fit(TestData.Load(ml, "iris.csv")).Transform(raw);
    }

    /// <summary>breast_cancer with a Boolean label and standardised features.</summary>
    public static IDataView BreastCancer(MLContext ml, string file = "breast_cancer.csv")
    {
        var raw = TestData.Load(ml, file);
        var prep = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean));
        return prep.Fit(TestData.Load(ml, "breast_cancer.csv")).Transform(raw);
    }

    /// <summary>diabetes with the label scaled to about unit spread (y/100) and standardised features.</summary>
    public static IDataView Diabetes(MLContext ml, string file = "diabetes.csv")
    {
        var raw = TestData.Load(ml, file);
        var prep = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(ml.Transforms.CustomMapping<LabelRow, LabelRow>((s, d) => d.Label = s.Label / 100f, contractName: null));
        return prep.Fit(TestData.Load(ml, "diabetes.csv")).Transform(raw);
    }

    public sealed class LabelRow
    {
        public float Label { get; set; }
    }

    /// <summary>The four XOR corners as a Boolean-labelled data view.</summary>
    public static IDataView Xor(MLContext ml)
    {
        var raw = TestData.Load(ml, "xor4.csv");
        return ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean).Fit(raw).Transform(raw);
    }
}
