using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace PostFleet.Simulator.Tests.Node;

/// <summary>
/// Decodes a message using only a descriptor obtained from server reflection, as grpcurl does: proves the
/// reflected schema matches the bytes on the wire.
/// </summary>
public static class ReflectedDecoder
{
    public static Dictionary<string, List<object>> Decode(MessageDescriptor descriptor, byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var fields = new Dictionary<string, List<object>>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag))
                ?? throw new InvalidDataException($"field {WireFormat.GetTagFieldNumber(tag)} is not in the reflected {descriptor.FullName}");
            object value = field.FieldType switch
            {
                FieldType.Bytes => input.ReadBytes().ToByteArray(),
                FieldType.String => input.ReadString(),
                FieldType.Enum => field.EnumType.FindValueByNumber(input.ReadEnum()).Name,
                FieldType.Message => Decode(field.MessageType, input.ReadBytes().ToByteArray()),
                _ => throw new NotSupportedException(field.FieldType.ToString()),
            };
            if (!fields.TryGetValue(field.Name, out var values))
            {
                fields[field.Name] = values = [];
            }

            values.Add(value);
        }

        return fields;
    }
}
