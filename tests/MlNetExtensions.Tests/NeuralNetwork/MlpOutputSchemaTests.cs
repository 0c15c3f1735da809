using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>The MLP's output columns are those of ML.NET's own trainers: same names, types and annotations.</summary>
public class MlpOutputSchemaTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData("regression")]
    [InlineData("binary")]
    [InlineData("multiclass")]
    public void Transform_OutputColumnsAndAnnotations_EqualTheBuiltInTrainers(string task)
    {
        var options = new MlpOptions { HiddenLayerSizes = [4], NumberOfEpochs = 1, Seed = 1 };
        var (data, mlp, builtIn) = task switch
        {
            "regression" => (MlpData.Diabetes(_ml), (IEstimator<ITransformer>)_ml.Regression.Trainers.Mlp(options),
                (IEstimator<ITransformer>)_ml.Regression.Trainers.Sdca(maximumNumberOfIterations: 1)),
            "binary" => (MlpData.BreastCancer(_ml), _ml.BinaryClassification.Trainers.Mlp(options),
                _ml.BinaryClassification.Trainers.LbfgsLogisticRegression()),
            _ => (MlpData.Iris(_ml), _ml.MulticlassClassification.Trainers.Mlp(options),
                _ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()),
        };
        var ours = mlp.Fit(data).Transform(data).Schema;
        var theirs = builtIn.Fit(data).Transform(data).Schema;
        Assert.Equal(theirs.Select(c => c.Name), ours.Select(c => c.Name));
        foreach (var column in theirs.Where(c => !c.IsHidden))
        {
            Assert.Equal(column.Type, ours[column.Name].Type);
            Assert.Equal(column.Annotations.Schema.Select(a => (a.Name, a.Type)), ours[column.Name].Annotations.Schema.Select(a => (a.Name, a.Type)));
        }
    }
}
