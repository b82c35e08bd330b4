import SkeinCommands

await skeinMain()
