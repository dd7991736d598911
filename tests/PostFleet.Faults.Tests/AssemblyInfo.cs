// Every test class lays out its own fleet (own ports, own folders), so classes run in parallel; two at a time
// keeps the simulated disks and k2pow honest on a 2-core runner.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
