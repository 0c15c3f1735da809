using Google.Protobuf;

namespace MlNetExtensions.Onnx;

/// <summary>
/// A protobuf message as its fields in wire order, each kept as raw bytes: enough to rename the strings of an ONNX model
/// and move its nodes between graphs without a generated class for every message (ML.NET's ONNX classes are internal).
/// Fields this code does not touch are written back byte for byte.
/// </summary>
internal sealed class ProtoMessage
{
    /// <summary>One field: its number and wire type, and its value (a varint, or the raw bytes of anything else).</summary>
    public sealed class Field(int number, WireFormat.WireType type, ulong varint, byte[] bytes)
    {
        public int Number { get; } = number;
        public WireFormat.WireType Type { get; } = type;
        public ulong Varint { get; set; } = varint;
        public byte[] Bytes { get; set; } = bytes;

        public string Text
        {
            get => System.Text.Encoding.UTF8.GetString(Bytes);
            set => Bytes = System.Text.Encoding.UTF8.GetBytes(value);
        }

        public ProtoMessage Message => Parse(Bytes);
    }

    public List<Field> Fields { get; } = [];

    public static ProtoMessage Parse(byte[] bytes)
    {
        var message = new ProtoMessage();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            var type = WireFormat.GetTagWireType(tag);
            message.Fields.Add(type switch
            {
                WireFormat.WireType.Varint => new Field(number, type, input.ReadUInt64(), []),
                WireFormat.WireType.Fixed32 => new Field(number, type, 0, BitConverter.GetBytes(input.ReadFixed32())),
                WireFormat.WireType.Fixed64 => new Field(number, type, 0, BitConverter.GetBytes(input.ReadFixed64())),
                WireFormat.WireType.LengthDelimited => new Field(number, type, 0, input.ReadBytes().ToByteArray()),
                _ => throw new InvalidDataException($"Unsupported protobuf wire type {type} in field {number}."),
            });
        }
        return message;
    }

    public IEnumerable<Field> All(int number) => Fields.Where(f => f.Number == number);

    public Field? First(int number) => Fields.FirstOrDefault(f => f.Number == number);

    public void Add(int number, ProtoMessage message) => Fields.Add(new Field(number, WireFormat.WireType.LengthDelimited, 0, message.ToBytes()));

    public void Add(int number, string text) => Fields.Add(new Field(number, WireFormat.WireType.LengthDelimited, 0, System.Text.Encoding.UTF8.GetBytes(text)));

    public void Add(int number, long value) => Fields.Add(new Field(number, WireFormat.WireType.Varint, (ulong)value, []));

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            foreach (var field in Fields)
            {
                output.WriteTag(field.Number, field.Type);
                switch (field.Type)
                {
                    case WireFormat.WireType.Varint: output.WriteUInt64(field.Varint); break;
                    case WireFormat.WireType.Fixed32: output.WriteFixed32(BitConverter.ToUInt32(field.Bytes)); break;
                    case WireFormat.WireType.Fixed64: output.WriteFixed64(BitConverter.ToUInt64(field.Bytes)); break;
                    default: output.WriteBytes(ByteString.CopyFrom(field.Bytes)); break;
                }
            }
        }
        return buffer.ToArray();
    }
}
