import PruneScript

extension BuiltinRegistry {
    /// The engine's builtins: models, data, pruning, lottery tickets, training, figures, files.
    mutating func registerEngine(settings: EngineSettings) {
        registerModels(settings: settings)
        registerONNX()
        registerLayers(settings: settings)
        registerData(settings: settings)
        registerPruning(settings: settings)
        registerLottery(settings: settings)
        registerTraining(settings: settings)
        registerFigures(settings: settings)
        registerFiles(settings: settings)
    }
}
