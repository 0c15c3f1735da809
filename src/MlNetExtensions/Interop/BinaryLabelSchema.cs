using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Interop;

/// <summary>
/// Output schemas for binary trainers that read a Single 0/1 label as well as a Boolean one. ML.NET's binary trainers,
/// whose output shape ours report (SchemaShape columns cannot be built publicly), accept only Boolean labels.
/// </summary>
internal static class BinaryLabelSchema
{
    /// <summary>
    /// <paramref name="reference"/>'s output shape for <paramref name="inputSchema"/>; a scalar Single label is shown to it
    /// converted to Boolean (through ConvertType's public shape), and the user's label column is put back in the answer.
    /// </summary>
    public static SchemaShape GetOutputSchema(IEstimator<ITransformer> reference, SchemaShape inputSchema, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var label = inputSchema.FirstOrDefault(c => c.Name == labelColumnName);
        if (label.Name is null || label.ItemType != NumberDataViewType.Single || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            return reference.GetOutputSchema(inputSchema);
        var asBoolean = new MLContext().Transforms.Conversion.ConvertType(label.Name, outputKind: DataKind.Boolean).GetOutputSchema(inputSchema);
        return new SchemaShape(reference.GetOutputSchema(asBoolean).Select(c => c.Name == label.Name ? label : c));
    }
}
