using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using PostFleet.Core.Model;
using PostFleet.Spacemesh.Node;
using Spacemesh.V1;
using Spacemesh.V2Alpha1;

namespace PostFleet.Spacemesh.Tests.Fuzz;

/// <summary>
/// Odd node answers (fixed seeds; failures name seed and case): random and damaged PostStates, EventsStream events,
/// Highest and clock messages, both through the mappings and over real gRPC to a fake node on 127.0.0.1. The client
/// either maps an answer or reports the node unusable (<see cref="NodeUnavailableException"/>); it never throws
/// anything else, and never passes on a row it cannot act on safely.
/// </summary>
public sealed class NodeAnswerFuzzTests
{
    public const int MappingCases = 4000;
    public const int WireCases = 300;

    private static readonly string[] Names = ["a", "a.key", "b.key", "", ".key", "local.key", "diskA_post1.key", "名前.key", "x y", "a.key.key", new string('n', 300)];

    private static readonly PostState.Types.State[] States =
        [PostState.Types.State.Unused, PostState.Types.State.Idle, PostState.Types.State.Proving, (PostState.Types.State)3, (PostState.Types.State)(-1), (PostState.Types.State)99];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Post_states_map_to_safe_rows_or_a_format_error(int seed)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>();

        // One set of known rows across every case, as the daemon keeps it across answers: rows reused from it must
        // be the rows made afresh, whatever came before (the same name with another id or state, a damaged answer).
        var known = new IdentityRows();
        var returned = new HashSet<IdentityState>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < MappingCases; i++)
        {
            var response = i % 3 == 2 ? Damaged(RandomPostStates(random), random, PostStatesResponse.Parser) : RandomPostStates(random);
            if (response is null)
            {
                seen.Add("undecodable");
                continue; // gRPC reports an undecodable message as an RpcException: the node is unreachable
            }

            IReadOnlyList<IdentityState>? fresh = null;
            try
            {
                fresh = PostStatesMapping.ToIdentityStates(response);
                seen.Add("mapped");
                CheckRows(response, fresh, $"seed {seed}, case {i}");
            }
            catch (FormatException)
            {
                seen.Add("refused");
            }

            try
            {
                var reused = PostStatesMapping.ToIdentityStates(response, known);
                Assert.True(fresh is not null, $"seed {seed}, case {i}: refused afresh, mapped with known rows");
                Assert.Equal(fresh, reused);
                foreach (var row in reused)
                {
                    seen.Add(returned.Add(row) ? "made" : "reused");
                }
            }
            catch (FormatException)
            {
                Assert.True(fresh is null, $"seed {seed}, case {i}: mapped afresh, refused with known rows");
            }
        }

        Assert.Equal(["made", "mapped", "refused", "reused", "undecodable"], seen.Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Events_always_map_and_a_malformed_smesher_is_never_acted_on(int seed)
    {
        var random = new Random(seed);
        var kinds = new HashSet<string>();
        for (var i = 0; i < MappingCases; i++)
        {
            var e = RandomEvent(random);
            if (i % 2 == 1)
            {
                e = Damaged(e, random, Event.Parser);
                if (e is null)
                {
                    continue;
                }
            }

            NodeEvent mapped;
            try
            {
                mapped = NodeEventMapping.ToNodeEvent(e);
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, case {i}: {e} threw {ex}");
                throw;
            }

            kinds.Add(mapped.GetType().Name);
            var smesher = e.DetailsCase switch
            {
                Event.DetailsOneofCase.PostStart => e.PostStart.Smesher,
                Event.DetailsOneofCase.PostComplete => e.PostComplete.Smesher,
                Event.DetailsOneofCase.PoetWaitRound => e.PoetWaitRound.Smesher,
                Event.DetailsOneofCase.PoetWaitProof => e.PoetWaitProof.Smesher,
                Event.DetailsOneofCase.AtxPublished => e.AtxPublished.Smesher,
                _ => null,
            };
            if (smesher is not null && smesher.Length != NodeId.Length)
            {
                Assert.True(mapped is NodeEvent.Other, $"seed {seed}, case {i}: a {smesher.Length}-byte smesher became {mapped}");
            }
        }

        Assert.Contains("Other", kinds);
        Assert.Contains("PostStarted", kinds);
        Assert.Contains("PostFailed", kinds);
    }

    [Fact]
    public async Task Over_grpc_every_odd_answer_is_mapped_or_reported_as_the_node_being_unusable()
    {
        var random = new Random(42);
        var postInfo = new FakePostInfo();
        var network = new FakeNetwork();
        var activation = new FakeActivation();
        await using var node = await FakeNode.StartAsync(
            app =>
            {
                app.MapGrpcService<FakePostInfo>();
                app.MapGrpcService<FakeNetwork>();
                app.MapGrpcService<FakeActivation>();
            },
            [postInfo, network, activation]);
        using var client = new NodeGrpcClient(node.Spec(), NodeClientOptions.Default with { CallTimeout = TimeSpan.FromSeconds(10) });
        var outcomes = new Dictionary<string, int>();
        void Count(string what) => outcomes[what] = outcomes.GetValueOrDefault(what) + 1;

        for (var i = 0; i < WireCases; i++)
        {
            postInfo.Answer = RandomPostStates(random);
            network.Answer = RandomClock(random);
            activation.Answer = new HighestResponse { Atx = random.Next(4) == 0 ? null : new Activation { Id = random.Next(3) == 0 ? null : new ActivationId { Id = RandomBytes(random, [0, 1, 31, 32, 33, 64]) } } };
            try
            {
                CheckRows(postInfo.Answer, await client.GetPostStatesAsync(CancellationToken.None), $"case {i}");
                Count("states");
            }
            catch (NodeUnavailableException)
            {
                Count("states refused");
            }

            try
            {
                var clock = await client.GetNetworkClockAsync(CancellationToken.None);
                Assert.True(clock.LayerDuration > TimeSpan.Zero && clock.LayersPerEpoch > 0, $"case {i}: {clock} from {network.Answer}");
                Count("clock");
            }
            catch (NodeUnavailableException)
            {
                Count("clock refused");
            }

            try
            {
                Assert.Equal(NodeId.Length, (await client.GetHighestAtxIdAsync(CancellationToken.None)).Length);
                Count("highest");
            }
            catch (NodeUnavailableException)
            {
                Count("highest refused");
            }
        }

        Assert.Equal(6, outcomes.Count); // each call was both answered and refused at least once
    }

    [Fact]
    public async Task The_mesh_clock_fallback_refuses_values_no_clock_can_have()
    {
        var random = new Random(7);
        var mesh = new FakeMesh();
        await using var node = await FakeNode.StartAsync(app => app.MapGrpcService<FakeMesh>(), [mesh]);
        using var client = new NodeGrpcClient(node.Spec());
        var refused = 0;
        for (var i = 0; i < WireCases / 3; i++)
        {
            ulong[] values = [0, 1, 5, 60, 86_400, 253_402_300_798, 253_402_300_800, long.MaxValue, ulong.MaxValue];
            mesh.GenesisUnixSeconds = values[random.Next(values.Length)];
            mesh.LayerSeconds = values[random.Next(values.Length)];
            mesh.LayersPerEpoch = (uint)random.Next(0, 3) * 4032;
            try
            {
                var clock = await client.GetNetworkClockAsync(CancellationToken.None);
                Assert.True(clock.LayerDuration > TimeSpan.Zero && clock.LayersPerEpoch > 0);
            }
            catch (NodeUnavailableException)
            {
                refused++;
            }
        }

        Assert.InRange(refused, 1, (WireCases / 3) - 1);
    }

    [Theory]
    [InlineData(-62135596801L, 0)]
    [InlineData(253402300800L, 0)]
    [InlineData(0L, -1)]
    [InlineData(0L, 1_000_000_000)]
    public void Regression_an_out_of_range_timestamp_is_an_old_event_not_an_exception(long seconds, int nanos)
    {
        var e = new Event { Timestamp = new Timestamp { Seconds = seconds, Nanos = nanos }, PostStart = new EventPostStart { Smesher = ByteString.CopyFrom(new byte[32]) } };
        Assert.Equal(DateTimeOffset.UnixEpoch, NodeEventMapping.ToNodeEvent(e).Time);
    }

    [Fact]
    public void Regression_unused_or_unknown_states_and_empty_names_are_left_out_and_twice_listed_identities_refused()
    {
        var response = new PostStatesResponse();
        response.States.Add(new PostState { Id = Key(1), Name = "a.key", State = PostState.Types.State.Unused });
        response.States.Add(new PostState { Id = Key(2), Name = "b.key", State = (PostState.Types.State)7 });
        response.States.Add(new PostState { Id = Key(3), Name = ".key", State = PostState.Types.State.Proving });
        response.States.Add(new PostState { Id = Key(4), Name = "c.key", State = PostState.Types.State.Proving });
        response.States.Add(new PostState { Id = Key(4), Name = "c.key", State = PostState.Types.State.Proving });
        Assert.Equal([new IdentityState("c", NodeId.FromBytes(Key(4).Span), NodePostState.Proving)], PostStatesMapping.ToIdentityStates(response));

        response.States.Add(new PostState { Id = Key(4), Name = "c", State = PostState.Types.State.Idle });
        Assert.Contains("'c' is listed 2 times", Assert.Throws<FormatException>(() => PostStatesMapping.ToIdentityStates(response)).Message, StringComparison.Ordinal);

        response.States.RemoveAt(response.States.Count - 1);
        response.States.Add(new PostState { Id = Key(4), Name = "d.key", State = PostState.Types.State.Idle });
        Assert.Contains("have the same id", Assert.Throws<FormatException>(() => PostStatesMapping.ToIdentityStates(response)).Message, StringComparison.Ordinal);
    }

    private static void CheckRows(PostStatesResponse response, IReadOnlyList<IdentityState> rows, string where)
    {
        Assert.True(rows.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() == rows.Count, $"{where}: a name twice");
        foreach (var row in rows)
        {
            Assert.False(string.IsNullOrEmpty(row.Name), $"{where}: an empty name passed");
            var sources = response.States.Where(s => (s.Name.EndsWith(".key", StringComparison.Ordinal) ? s.Name[..^4] : s.Name) == row.Name).ToList();
            var wanted = row.State == NodePostState.Proving ? PostState.Types.State.Proving : PostState.Types.State.Idle;
            Assert.True(sources.Any(s => s.State == wanted), $"{where}: {row} has no {wanted} row in the answer");
        }
    }

    private static ByteString Key(byte fill) => ByteString.CopyFrom(Enumerable.Repeat(fill, 32).ToArray());

    private static ByteString RandomBytes(Random random, int[] lengths)
    {
        var bytes = new byte[lengths[random.Next(lengths.Length)]];
        // Few distinct values, so ids collide.
        Array.Fill(bytes, (byte)random.Next(4));
        return ByteString.CopyFrom(bytes);
    }

    private static PostStatesResponse RandomPostStates(Random random)
    {
        var response = new PostStatesResponse();
        for (var i = random.Next(0, 8); i > 0; i--)
        {
            response.States.Add(new PostState
            {
                // A few ids come back answer after answer, as a node's do (and may move to another name).
                Id = random.Next(10) switch { 0 => RandomBytes(random, [0, 31, 33]), < 5 => Key((byte)random.Next(4)), _ => RandomBytes(random, [32]) },
                Name = Names[random.Next(Names.Length)],
                State = States[random.Next(States.Length)],
            });
        }

        return response;
    }

    private static Timestamp? RandomTimestamp(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => new Timestamp { Seconds = random.NextInt64(long.MinValue, long.MaxValue), Nanos = random.Next(int.MinValue, int.MaxValue) },
        2 => new Timestamp { Seconds = 1_700_000_000, Nanos = -1 },
        _ => new Timestamp { Seconds = random.NextInt64(0, 2_000_000_000), Nanos = random.Next(0, 999_999_999) },
    };

    private static Duration? RandomDuration(Random random) => random.Next(6) switch
    {
        0 => null,
        1 => new Duration { Seconds = random.NextInt64(long.MinValue, long.MaxValue), Nanos = random.Next(int.MinValue, int.MaxValue) },
        2 => new Duration { Seconds = 5, Nanos = -5 },
        3 => new Duration { Seconds = -300 },
        _ => new Duration { Seconds = random.Next(0, 600), Nanos = random.Next(0, 999_999_999) },
    };

    private static NetworkInfoResponse RandomClock(Random random) => new()
    {
        GenesisTime = RandomTimestamp(random),
        LayerDuration = RandomDuration(random),
        LayersPerEpoch = (uint)(random.Next(3) == 0 ? 0 : random.Next(1, 5000)),
    };

    private static Event RandomEvent(Random random)
    {
        var smesher = RandomBytes(random, [0, 1, 31, 32, 32, 32, 33]);
        var e = new Event { Timestamp = RandomTimestamp(random), Failure = random.Next(2) == 0, Help = random.Next(3) == 0 ? "" : "help" };
        switch (random.Next(7))
        {
            case 0: e.PostStart = new EventPostStart { Smesher = smesher, Challenge = RandomBytes(random, [0, 32]) }; break;
            case 1: e.PostComplete = new EventPostComplete { Smesher = smesher, Challenge = RandomBytes(random, [0, 32]) }; break;
            case 2: e.PoetWaitRound = new EventPoetWaitRound { Smesher = smesher, Current = (uint)random.Next(), Publish = (uint)random.Next(), Until = RandomTimestamp(random), Wait = RandomDuration(random) }; break;
            case 3: e.PoetWaitProof = new EventPoetWaitProof { Smesher = smesher, Publish = (uint)random.Next(), Target = (uint)random.Next(), Until = RandomTimestamp(random) }; break;
            case 4: e.AtxPublished = new EventAtxPubished { Smesher = smesher, Current = (uint)random.Next(), Target = (uint)random.Next(), Id = RandomBytes(random, [0, 32]), Until = RandomTimestamp(random) }; break;
            default: break; // no details: an event kind this client does not know
        }

        return e;
    }

    /// <summary>The message's bytes cut short, a byte changed or a stray field appended; null when protobuf rejects them.</summary>
    private static T? Damaged<T>(T message, Random random, MessageParser<T> parser) where T : class, IMessage<T>
    {
        var bytes = message.ToByteArray().ToList();
        switch (random.Next(3))
        {
            case 0 when bytes.Count > 0:
                bytes.RemoveRange(random.Next(bytes.Count), bytes.Count - random.Next(bytes.Count) - 1 >= 0 ? 1 : 0);
                bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                break;
            case 1 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                break;
            default:
                bytes.AddRange([(byte)((random.Next(1, 40) << 3) | random.Next(0, 3)), (byte)random.Next(0, 4), 0, 0, 0]);
                break;
        }

        try
        {
            return parser.ParseFrom(bytes.ToArray());
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
