using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using PostFleet.Core.Configuration;

namespace PostFleet.Core.Tests;

/// <summary>
/// The core is pure: no method of PostFleet.Core touches files, the network or processes, except the one config
/// loader that says so (<see cref="FleetConfigLoader.LoadFile"/> reads the YAML file). Read from Core's own IL: every
/// member and type a method body refers to, by the namespace of the type that declares it.
/// </summary>
public sealed class CoreHasNoIoTests
{
    // Values in those namespaces that never touch the world: Path is string arithmetic on paths, IPAddress and
    // IPEndPoint parse and compare addresses (the config's listener and operator addresses), IPNetwork a range of
    // them (k2pow.allow-from); no socket is opened.
    private static readonly string[] PureInForbiddenNamespaces = ["System.IO.Path", "System.Net.IPAddress", "System.Net.IPEndPoint", "System.Net.IPNetwork"];
    private static readonly string[] AllowedCallers = [typeof(FleetConfigLoader).FullName!];

    [Fact]
    public void No_method_of_Core_but_the_config_loader_refers_to_a_file_network_or_process_type()
    {
        var uses = IoReferencesByType(typeof(FleetConfigLoader).Assembly.Location);

        var offenders = uses.Where(u => !AllowedCallers.Contains(u.Key)).Select(u => $"{u.Key}: {string.Join(", ", u.Value)}").ToList();
        Assert.True(offenders.Count == 0, "Core must do no I/O; found:\n" + string.Join('\n', offenders));
        // The scan sees what it must: the loader's File.ReadAllText.
        Assert.Contains("System.IO.File", uses[typeof(FleetConfigLoader).FullName!]);
    }

    [Theory]
    [InlineData("System.IO.File", true)]
    [InlineData("System.IO.FileStream", true)]
    [InlineData("System.IO.Path", false)]
    [InlineData("System.Net.IPAddress", false)]
    [InlineData("System.Net.IPNetwork", false)]
    [InlineData("System.Net.Dns", true)]
    [InlineData("System.Net.Http.HttpClient", true)]
    [InlineData("System.Net.Sockets.Socket", true)]
    [InlineData("System.Diagnostics.Process", true)]
    [InlineData("System.Diagnostics.ProcessStartInfo", true)]
    [InlineData("System.Diagnostics.Stopwatch", false)]
    [InlineData("System.IOExtensions", false)]
    public void The_rule_names_exactly_the_file_network_and_process_types(string type, bool forbidden) =>
        Assert.Equal(forbidden, IsIo(type));

    private static bool IsIo(string fullName) =>
        !PureInForbiddenNamespaces.Contains(fullName)
        && (fullName.StartsWith("System.IO.", StringComparison.Ordinal)
            || fullName.StartsWith("System.Net.", StringComparison.Ordinal)
            || fullName.StartsWith("System.Diagnostics.Process", StringComparison.Ordinal));

    /// <summary>For each type of the assembly (nested types count as their outermost), the I/O types its methods refer to.</summary>
    private static Dictionary<string, SortedSet<string>> IoReferencesByType(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var result = new Dictionary<string, SortedSet<string>>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var owner = Outermost(md, typeHandle);
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                foreach (var token in Tokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? []))
                {
                    if (DeclaringTypeName(md, MetadataTokens.EntityHandle(token)) is { } name && IsIo(name))
                    {
                        (result.TryGetValue(owner, out var set) ? set : result[owner] = []).Add(name);
                    }
                }
            }
        }

        return result;
    }

    private static string Outermost(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        while (type.GetDeclaringType() is { IsNil: false } parent)
        {
            type = md.GetTypeDefinition(parent);
        }

        return md.GetString(type.Namespace) + "." + md.GetString(type.Name);
    }

    /// <summary>The type a token names, or declares the member it names (a type reference's full name).</summary>
    private static string? DeclaringTypeName(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeReference:
                var reference = md.GetTypeReference((TypeReferenceHandle)handle);
                return reference.ResolutionScope.Kind == HandleKind.TypeReference
                    ? DeclaringTypeName(md, (EntityHandle)reference.ResolutionScope) // nested: judge by the outer type
                    : md.GetString(reference.Namespace) + "." + md.GetString(reference.Name);
            case HandleKind.MemberReference:
                return DeclaringTypeName(md, md.GetMemberReference((MemberReferenceHandle)handle).Parent);
            case HandleKind.MethodSpecification:
                return DeclaringTypeName(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            case HandleKind.TypeSpecification:
                // A generic instantiation: judge by its generic type (the first type token in its signature blob).
                var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                if (blob.ReadSignatureTypeCode() == SignatureTypeCode.GenericTypeInstance)
                {
                    blob.ReadSignatureTypeCode();
                    return DeclaringTypeName(md, blob.ReadTypeHandle());
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The metadata tokens in an IL stream, walked opcode by opcode with the runtime's own operand sizes.</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        var i = 0;
        while (i < il.Length)
        {
            var code = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var operand = OpCodesByValue[code].OperandType;
            if (operand is OperandType.InlineTok or OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField)
            {
                yield return BitConverter.ToInt32(il.AsSpan(i, 4));
            }

            i += operand switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il.AsSpan(i, 4))),
                _ => 4,
            };
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);
}
