using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Onnx;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// Writes an MLP as a model made only of ML.NET's own transformers, so that the zip loads in a program that references
/// Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime and not this library:
/// <code>
/// TransformerChain [ OnnxTransformer (hidden layers: Features → hidden vector),
///                    Regression/Binary/MulticlassPredictionTransformer (the output layer as ML.NET's linear model),
///                    ColumnSelectingTransformer (drops the hidden vector) ]
/// </code>
/// A network without hidden layers is saved as the prediction transformer alone.
/// </summary>
/// <remarks>
/// The ONNX bytes are written to a private temporary folder, which is deleted once the chain has been saved (the
/// OnnxTransformer copies the bytes into the zip). OnnxTransformer's Stream overload is avoided on purpose: it leaves a
/// copy in <c>MLContext.TempFilePath</c>. (ONNX Runtime 1.31 itself writes one small, reused telemetry file named
/// <c>.ses</c> to the temporary folder when its environment starts, in any program that uses it.)
/// </remarks>
internal static class MlpSavedModelBuilder
{
    public static void Save(ModelSaveContext context, MlpNetwork network, string featureColumnName, string hiddenColumnName,
        ITransformer outputLayer, ITransformer? dropHidden)
    {
        if (network.HiddenLayerCount == 0)
        {
            ((ICanSaveModel)outputLayer).Save(context);
            return;
        }
        string folder = Path.Combine(Path.GetTempPath(), "MlNetExtensions-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "mlp-hidden-layers.onnx");
            using (var file = File.Create(path))
                MlpOnnxGraph.WriteHiddenLayers(network, file, featureColumnName, hiddenColumnName);
            var ml = new MLContext();
            using var hidden = ml.Transforms.ApplyOnnxModel([hiddenColumnName], [featureColumnName], path)
                .Fit(EmptyView(ml, featureColumnName, network.InputCount));
            var chain = new TransformerChain<ITransformer>(hidden, outputLayer, dropHidden!);
            ((ICanSaveModel)chain).Save(context);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private static IDataView EmptyView(MLContext ml, string featureColumnName, int width)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnName = featureColumnName;
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), schema);
    }
}
