using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Persistence;

/// <summary>
/// Issue 12 §6: a damaged extension entry gives an <see cref="InvalidDataException"/> that names the entry, while the ML.NET
/// part of the same file still loads with plain <c>Model.Load</c>.
/// </summary>
public class ExtensionEntryDamageTests
{
    private const string MlpEntry = "TransformerChain/Transform_001/MlNetExtensions.bin";
    private const string LinearEntry = "TransformerChain/MlNetExtensions.bin";

    private readonly MLContext _ml = new(seed: 1);

    private byte[] MlpZip()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Transforms.NormalizeMeanVariance("Features")
            .Append(_ml.Regression.Trainers.Mlp(hiddenLayerSizes: [3], numberOfEpochs: 3, seed: 1)).Fit(data);
        using var stream = new MemoryStream();
        _ml.Model.Save(model, data.Schema, stream);
        return stream.ToArray();
    }

    private byte[] LinearZip()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        using var stream = new MemoryStream();
        _ml.Model.SaveWithExtensions(_ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), data.Schema, stream);
        return stream.ToArray();
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "mlp", "truncated" }, { "mlp", "flipped" }, { "mlp", "garbage" }, { "mlp", "empty" }, { "mlp", "newer" },
        { "linear", "truncated" }, { "linear", "flipped" }, { "linear", "newer" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void LoadWithExtensions_DamagedEntry_ThrowsNamingIt_WhilePlainLoadStillWorks(string model, string damage)
    {
        var zip = model == "mlp" ? MlpZip() : LinearZip();
        string entry = model == "mlp" ? MlpEntry : LinearEntry;
        var damaged = Rewrite(zip, entry, bytes => damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "flipped" => Flip(bytes, bytes.Length / 3),
            "garbage" => Enumerable.Range(0, 200).Select(i => (byte)(i * 37)).ToArray(),
            "empty" => [],
            // A container version from the future, with a checksum that matches (a newer library wrote it).
            _ => Rehash(WithVersion(bytes, 99)),
        });

        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Model.LoadWithExtensions(new MemoryStream(damaged), out _));
        Assert.Contains(entry, e.Message);
        Assert.Contains(damage == "newer" ? "newer" : "damaged", e.Message);
        var plain = new MLContext().Model.Load(new MemoryStream(damaged), out _);
        Assert.True(float.IsFinite(plain.Transform(TestData.Load(_ml, "diabetes.csv")).GetColumn<float>("Score").First()));
    }

    [Fact]
    public void LoadWithExtensions_CorruptCompressedEntry_ThrowsNamingIt()
    {
        // Damage the deflated bytes themselves (not the content before compression): the zip's CRC check fails on read.
        var zip = MlpZip();
        int offset;
        using (var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        {
            var entry = archive.GetEntry(MlpEntry)!;
            offset = FindLocalData(zip, MlpEntry);
            Assert.True(entry.CompressedLength > 8);
        }
        zip[offset + 4] ^= 0x5A;
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Model.LoadWithExtensions(new MemoryStream(zip), out _));
        Assert.Contains(MlpEntry, e.Message);
    }

    [Fact]
    public void LoadWithExtensions_EntryMovedToAnotherTransformer_ThrowsNamingIt()
    {
        // The MLP's entry under the normalizer's directory: the sections do not fit what ML.NET loaded there.
        var zip = MlpZip();
        var bytes = ReadEntry(zip, MlpEntry);
        var moved = Rewrite(zip, MlpEntry, _ => null);
        moved = Add(moved, "TransformerChain/Transform_000/MlNetExtensions.bin", bytes);
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().Model.LoadWithExtensions(new MemoryStream(moved), out _));
        Assert.Contains("TransformerChain/Transform_000/MlNetExtensions.bin", e.Message);

        // And an entry under a directory no transformer has.
        var orphan = Add(zip, "TransformerChain/Transform_009/MlNetExtensions.bin", bytes);
        e = Assert.Throws<InvalidDataException>(() => new MLContext().Model.LoadWithExtensions(new MemoryStream(orphan), out _));
        Assert.Contains("Transform_009", e.Message);
    }

    [Fact]
    public void LoadVerified_DamagedEntryOfAChecksummedFile_NamesTheFileAndTheEntry()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        string path = Path.Combine(Path.GetTempPath(), $"ext-damage-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.SaveWithChecksum(_ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), data.Schema, path);
            File.WriteAllBytes(path, Rewrite(File.ReadAllBytes(path), LinearEntry, b => b[..10]));
            var e = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadVerified(path, out _));
            Assert.Contains(path, e.Message);
            Assert.Contains(LinearEntry, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x01;
        return copy;
    }

    private static byte[] WithVersion(byte[] bytes, int version)
    {
        var copy = bytes[..^32];
        BitConverter.GetBytes(version).CopyTo(copy, 8);
        return copy;
    }

    private static byte[] Rehash(byte[] content) => [.. content, .. System.Security.Cryptography.SHA256.HashData(content)];

    internal static byte[] ReadEntry(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var stream = archive.GetEntry(name)!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The zip with entry <paramref name="name"/>'s content replaced by <paramref name="change"/>'s result (null deletes it).</summary>
    internal static byte[] Rewrite(byte[] zip, string name, Func<byte[], byte[]?> change)
    {
        var content = ReadEntry(zip, name);
        using var buffer = new MemoryStream();
        buffer.Write(zip);
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            archive.GetEntry(name)!.Delete();
            if (change(content) is { } replaced)
                using (var stream = archive.CreateEntry(name).Open())
                    stream.Write(replaced);
        }
        return buffer.ToArray();
    }

    private static byte[] Add(byte[] zip, string name, byte[] content)
    {
        using var buffer = new MemoryStream();
        buffer.Write(zip);
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        using (var stream = archive.CreateEntry(name).Open())
            stream.Write(content);
        return buffer.ToArray();
    }

    /// <summary>Where the data of entry <paramref name="name"/> starts in the zip (after its local file header).</summary>
    private static int FindLocalData(byte[] zip, string name)
    {
        var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        for (int i = 0; i + 30 < zip.Length; i++)
        {
            if (zip[i] != 0x50 || zip[i + 1] != 0x4B || zip[i + 2] != 3 || zip[i + 3] != 4) continue;
            int nameLength = BitConverter.ToUInt16(zip, i + 26), extraLength = BitConverter.ToUInt16(zip, i + 28);
            if (nameLength == nameBytes.Length && zip.AsSpan(i + 30, nameLength).SequenceEqual(nameBytes))
                return i + 30 + nameLength + extraLength;
        }
        throw new InvalidOperationException($"No local header for {name}.");
    }
}
