using System.Reflection;
using Microsoft.ML;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// ML.NET's OneVersusAll and PairwiseCoupling cannot wrap the MLP (they score each binary model through ML.NET's internal
/// IPredictorProducing&lt;float&gt;): calls with the MLP fail to compile with a message naming the multiclass Mlp.
/// </summary>
public class MlpMetaTrainerTests
{
    [Theory]
    [InlineData("OneVersusAll")]
    [InlineData("PairwiseCoupling")]
    public void MetaTrainerWithMlp_IsACompileTimeErrorNamingTheMulticlassMlp(string name)
    {
        var method = typeof(MlNetExtensionsCatalog).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == name && m.GetParameters()[1].ParameterType == typeof(MlpTrainer));
        var obsolete = method.GetCustomAttribute<ObsoleteAttribute>()!;
        Assert.True(obsolete.IsError);
        Assert.Contains("MulticlassClassification.Trainers.Mlp", obsolete.Message);
        Assert.Contains("IPredictorProducing<float>", obsolete.Message);
    }

    [Fact]
    public void PairwiseCouplingOfMlNet_RejectsTheMlpWhenItRuns()
    {
        // Without our overload the call compiles (the MLP is an ITrainerEstimator<ISingleFeaturePredictionTransformer<T>, T>)
        // and ML.NET's own check, that the model is an IPredictorProducing<float>, refuses it: the fact the message states.
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            StandardTrainersCatalog.PairwiseCoupling<MlpModelParameters>(ml.MulticlassClassification.Trainers, ml.BinaryClassification.Trainers.Mlp()));
        Assert.Contains("does not appear to produce the right kind of model", e.Message);
    }
}
