// The post step: the main bundle, which runs its post entry when started by this name.
import './index.js'
