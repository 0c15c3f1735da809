using System.Security.Cryptography;
using System.Text;

namespace MlNetExtensions.Persistence;

/// <summary>One piece of this library's data about one model object: its kind names its reader, its version that reader's format.</summary>
internal sealed record ExtensionSection(string Kind, int Version, byte[] Payload);

/// <summary>
/// The zip entry in which this library keeps, beside an ML.NET model object, what ML.NET's own file does not hold (an
/// MLP's sizes and loss curves, a linear model's statistics, a logistic model's training report). One such entry sits in
/// the zip directory of the transformer it belongs to (<c>TransformerChain/Transform_002/MlNetExtensions.bin</c>), so the
/// directory says which chain element it describes; ML.NET's <c>Model.Load</c> never opens it.
/// </summary>
/// <remarks>
/// Binary layout (little-endian; strings as <see cref="BinaryWriter.Write(string)"/>):
/// <code>
/// 8 bytes  "MLNETEXT"
/// int32    container version (1)
/// int32    number of sections
/// per section: string kind, int32 section version, int32 payload length, payload
/// 32 bytes SHA-256 of every byte before it
/// </code>
/// A section of a kind this version does not know is skipped (a newer library may add kinds: e.g. the normal equations'
/// sufficient statistics of a linear model); a known kind written in a newer version than its reader understands is an
/// error naming both versions. Any damage gives an <see cref="InvalidDataException"/> naming the entry.
/// </remarks>
internal static class ExtensionEntry
{
    /// <summary>The entry's file name inside a transformer's zip directory.</summary>
    public const string FileName = "MlNetExtensions.bin";

    private const int ContainerVersion = 1;
    private static readonly byte[] Magic = "MLNETEXT"u8.ToArray();

    public static void Write(BinaryWriter writer, IReadOnlyList<ExtensionSection> sections)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(ContainerVersion);
            w.Write(sections.Count);
            foreach (var section in sections)
            {
                w.Write(section.Kind);
                w.Write(section.Version);
                w.Write(section.Payload.Length);
                w.Write(section.Payload);
            }
        }
        var bytes = buffer.ToArray();
        writer.Write(bytes);
        writer.Write(SHA256.HashData(bytes));
    }

    public static byte[] ToBytes(IReadOnlyList<ExtensionSection> sections)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) Write(w, sections);
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">The bytes are not an intact entry; the message names <paramref name="entryName"/>.</exception>
    public static IReadOnlyList<ExtensionSection> Read(byte[] bytes, string entryName)
    {
        const int hashLength = 32;
        if (bytes.Length < Magic.Length + 8 + hashLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Damaged(entryName, $"it is not an MlNetExtensions entry, or it is truncated ({bytes.Length} bytes)");
        var content = bytes.AsSpan(0, bytes.Length - hashLength);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - hashLength)))
            throw Damaged(entryName, "its checksum does not match its content (the entry was truncated or changed)");
        using var r = new BinaryReader(new MemoryStream(bytes, 0, content.Length, writable: false), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        try
        {
            int version = r.ReadInt32();
            if (version > ContainerVersion)
                throw new InvalidDataException(
                    $"The model entry '{entryName}' was written by a newer MlNetExtensions (format {version}; this version reads " +
                    $"up to {ContainerVersion}). Upgrade MlNetExtensions, or load the model with plain Model.Load.");
            int count = r.ReadInt32();
            if (count < 0 || count > content.Length) throw Damaged(entryName, $"it claims {count} sections");
            var sections = new List<ExtensionSection>(count);
            for (int i = 0; i < count; i++)
            {
                string kind = r.ReadString();
                int sectionVersion = r.ReadInt32();
                int length = r.ReadInt32();
                if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
                    throw Damaged(entryName, $"section '{kind}' claims {length} bytes");
                sections.Add(new ExtensionSection(kind, sectionVersion, r.ReadBytes(length)));
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw Damaged(entryName, "bytes follow the last section");
            return sections;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The model entry '{entryName}' is damaged: it ends inside a section.", e);
        }
    }

    /// <summary>Checks that this version can read <paramref name="section"/>'s format.</summary>
    public static void CheckVersion(ExtensionSection section, int supported, string entryName)
    {
        if (section.Version < 1 || section.Version > supported)
            throw new InvalidDataException(
                $"The model entry '{entryName}' holds a '{section.Kind}' section of format {section.Version}; this version of " +
                $"MlNetExtensions reads formats 1 to {supported}. Upgrade MlNetExtensions, or load the model with plain Model.Load.");
    }

    private static InvalidDataException Damaged(string entryName, string why)
        => new($"The model entry '{entryName}' is damaged: {why}. The ML.NET part of the model still loads with Model.Load.");
}
