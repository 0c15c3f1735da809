using Microsoft.ML;
using MlNetExtensions.Onnx;

namespace MlNetExtensions;

/// <summary>Whole-pipeline ONNX export for pipelines that contain this library's trainers.</summary>
public static class MlNetExtensionsOnnxCatalog
{
    /// <summary>
    /// Writes the fitted <paramref name="model"/> (ML.NET's transforms and trainers, and this library's MLPs, at any place and
    /// nesting depth; in memory or loaded with <c>LoadWithExtensions</c>) as one ONNX model. ML.NET's own
    /// <c>ConvertToOnnx</c> converts the runs of ML.NET transformers and the MLP's graph is joined in between, at ML.NET's
    /// opset (12). Inputs are the columns of <paramref name="inputData"/>; outputs are <c>{column}.output</c> for every
    /// visible output column, as ML.NET's converter names them (an MLP's <c>Score</c>, <c>Probability</c> and
    /// <c>PredictedLabel</c> included, with ML.NET's types: float, float, bool for binary; float [K] and uint32 keys for
    /// multiclass).
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputData">Data of the pipeline's input schema (only its schema is read, as by <c>ConvertToOnnx</c>).</param>
    /// <param name="stream">Where to write the ONNX ModelProto.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">A transformer of the pipeline has no ONNX form (ML.NET's converter says which).</exception>
    public static void ConvertToOnnxWithExtensions(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputData);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(OnnxPipelineExporter.Export(catalog, model, inputData));
    }
}
